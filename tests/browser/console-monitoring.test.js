// console-monitoring.test.js — the console's 監視 (monitoring) screens in
// real headless Chromium against a real `pilotlight serve` over a seeded
// retailer (console-harness.js), with the internal device-event endpoint
// on (--internal-token-file): the test posts a meter's event there the
// way `pilotlight ingest` forwards it, so the alarm is made by the same
// code as in production.
//
//  * with the alarm list open, a leak warning from a meter in the ledger
//    arrives live (Server-Sent Events): the row appears without a reload,
//    marked as a gas alarm, with the customer the meter belongs to; the
//    safety officer acknowledges it, dispatches a colleague, and resolves
//    it with the response record (出動記録) — a missing finding is shown
//    at its field first; the API holds the record; the detail page shows it;
//  * the home page's alarm panel takes a new gas shutoff live, and drops
//    the alarm once it is resolved elsewhere;
//  * a remote shutoff: an admin registers a meter's device (the key is
//    shown once), requests the shutoff, meets the step-up prompt, and
//    cannot approve it herself; a second person approves it with a fresh
//    one-time code; the device is retired before the command is sent, and
//    the operation shows 失敗 with that reason;
//  * on a server whose remote operations expire after 10 s: one nobody
//    approved and one approved but never sent show 期限切れ and why;
//  * the alarm notification targets (監視 › 通知設定): mistakes shown at
//    their fields, a webhook and two addresses saved, the signing secret
//    shown once (not after a reload, not on the next save), a new one on
//    request, the webhook stopped; a read-only role sees the targets only;
//    設定 › 通知とセッション links to them.
//
// Each journey ends with a screenshot under browser-out/console-monitoring/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, SRC, Server, TENANT, signIn, totp } from './console-harness.js';

const TOKEN = 'mon1tor1ngBrowserTestToken4abcdefghijkLMNOP';
const srv = new Server();
const tokDir = mkdtempSync(join(tmpdir(), 'pl-monui-tok-'));
const tokenFile = join(tokDir, 'internal-token');
let meter = null; // { device_id, supply_point_id, customer }
let seq = 0;

// A meter of the ledger that carries a device id, and who lives there.
async function findMeter(client) {
  for (let sp = 1; sp <= 120; sp++) {
    const r = await client.req('GET', `/api/v1/supply-points/${sp}/meters`);
    if (r.status !== 200) continue;
    const m = r.json.meters.find((x) => x.device_id && !x.removed_date);
    if (!m) continue;
    const p = await client.ok('GET', `/api/v1/supply-points/${sp}`);
    return { device_id: m.device_id, meter_id: m.id, supply_point_id: sp, point: p };
  }
  throw new Error('no meter with a device id in the seed');
}

// Every table fits its place at 1280×800 (no sideways scrolling to reach
// a row's buttons).
async function tablesFit(page) {
  const wide = await page.locator('.table-wrap').evaluateAll((els) =>
    els.filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.parentElement?.id || e.className));
  assert.deepEqual(wide, [], 'tables fit');
}

// "YYYY-MM-DDTHH:MM" in Japan (what a datetime-local field holds there).
function jstLocal(ms) {
  return new Date(ms + 9 * 3600 * 1000).toISOString().slice(0, 16);
}

// The event as ingest forwards it to serve (POST /internal/v1/device-events).
async function postEvent(event, deviceId = meter.device_id, kind = 'smart_meter') {
  seq += 1;
  const now = new Date().toISOString();
  const message = kind === 'smart_meter' ? { seq, kind: 'event', at: now, event }
    : { seq, kind: 'heater_status', at: now, error: event };
  const res = await fetch(`${srv.base}/internal/v1/device-events`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ events: [{
      tenant: TENANT, device_id: deviceId, device_kind: kind, epoch: 1, received_at: now, message,
    }] }),
  });
  const j = await res.json();
  assert.equal(res.status, 200, JSON.stringify(j));
  assert.equal(j.counts.stored, 1, JSON.stringify(j));
  return j.results[0].event_id;
}

before(async () => {
  writeFileSync(tokenFile, `${TOKEN}\n`);
  chmodSync(tokenFile, 0o600);
  // --step-up 2: a sign-in's code stops counting as fresh after 2 s, so
  // the remote shutoff meets the step-up prompt without a long wait
  await srv.start('console-monitoring', ['--internal-token-file', tokenFile, '--step-up', '2']);
});
after(async () => {
  await srv.stop();
  rmSync(tokDir, { recursive: true, force: true });
});

test('an alarm arrives live; acknowledge, dispatch, resolve with the response record', async () => {
  const u = await srv.enrolledUser('safety-1', 'safety', '保安 太郎');
  meter = await findMeter(u.client);
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, u);
  // the menu entry and the alarm list, live before anything happens
  await page.getByRole('link', { name: '監視' }).click();
  await page.getByRole('heading', { name: 'アラーム' }).waitFor();
  await page.locator('#feed-state[data-feed="live"]').waitFor();
  await page.locator('#alarm-list .empty').waitFor();
  assert.equal(await page.locator('#alarm-list .empty').textContent(),
               '対応中のアラームはありません。新しいアラームは自動で表示されます。');
  await page.evaluate(() => { window.__noReload = true; });

  // a leak warning reaches serve: the row appears by itself
  await postEvent('leak_warning');
  const row = page.locator('#alarm-list tbody tr.is-gas').first();
  await row.waitFor({ timeout: 10000 });
  assert.equal(await page.evaluate(() => window.__noReload), true, 'no reload');
  assert.match(await row.textContent(), /ガス.*微少漏洩警告/);
  assert.match(await row.locator('.chip.alarm-state').textContent(), /未対応/);
  assert.ok(await row.evaluate((r) => r.classList.contains('is-new')), 'marked new');
  const id = Number(await row.getAttribute('data-id'));
  const alarm = (await u.client.ok('GET', `/api/v1/alarms/${id}`)).alarm;
  assert.equal(alarm.device_id, meter.device_id);
  assert.ok(alarm.customer_name, 'the meter\'s customer is attached');
  assert.match(await row.textContent(), new RegExp(alarm.customer_name));
  assert.match(await page.locator('#alarm-announce').textContent(), /新しいアラーム: 微少漏洩警告/);
  // gas alarms stand out: a red band on the row
  assert.equal(await row.locator('td').first().evaluate((td) => getComputedStyle(td).borderLeftColor),
               'rgb(179, 38, 30)');
  await tablesFit(page);
  await t.shot('alarm-arrived');

  // 確認: at once
  await row.getByRole('button', { name: '確認: 微少漏洩警告' }).click();
  await page.locator(`#alarm-list tr[data-id="${id}"][data-state="acknowledged"]`).waitFor();
  await page.locator('.notice.ok', { hasText: '「微少漏洩警告」を確認済みにしました。' }).waitFor();

  // 出動: who goes (the user's own name is offered)
  await page.locator(`#alarm-list tr[data-id="${id}"]`).getByRole('button', { name: '出動: 微少漏洩警告' }).click();
  await page.getByRole('heading', { name: '出動の記録' }).waitFor();
  assert.equal(await page.getByLabel('出動者').inputValue(), '保安 太郎');
  await page.getByLabel('出動者').fill('保安 次郎');
  await page.getByRole('dialog').getByRole('button', { name: '出動', exact: true }).click();
  await page.locator(`#alarm-list tr[data-id="${id}"][data-state="dispatched"]`).waitFor();

  // 対応完了: the response record; what is missing is said at its field
  await page.locator(`#alarm-list tr[data-id="${id}"]`).getByRole('button', { name: '対応完了: 微少漏洩警告' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByRole('heading', { name: '対応完了（出動記録）' }).waitFor();
  assert.equal(await dlg.getByLabel('出動者').inputValue(), '保安 次郎');
  assert.match(await dlg.getByLabel('到着日時').inputValue(), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
  await dlg.getByLabel('処置').fill('元栓を閉止し、配管を修理。漏えい検査で異常なし。');
  await dlg.getByRole('button', { name: '対応完了', exact: true }).click();
  await dlg.locator('[data-field="findings"] .field-error', { hasText: '入力してください' }).waitFor();
  assert.equal(await dlg.getByLabel('確認した内容').getAttribute('aria-invalid'), 'true');
  // an arrival an hour before the dispatch is refused at its field
  await dlg.getByLabel('確認した内容').fill('台所のコンロ元栓付近で微少漏えい。検知器で確認。');
  await dlg.getByLabel('到着日時').fill(jstLocal(Date.now() - 3600 * 1000));
  await dlg.getByRole('button', { name: '対応完了', exact: true }).click();
  await dlg.locator('[data-field="arrived_at"] .field-error', { hasText: /到着日時が出動（.*）より前になっています。/ }).waitFor();
  await t.shot('resolve-dialog');
  const arrived = jstLocal(Date.now());
  await dlg.getByLabel('到着日時').fill(arrived);
  await dlg.getByRole('button', { name: '対応完了', exact: true }).click();
  await page.locator(`#alarm-list tr[data-id="${id}"][data-state="resolved"]`).waitFor();
  await page.locator('.notice.ok', { hasText: '「微少漏洩警告」を対応完了にしました。' }).waitFor();

  // the record is kept as entered
  const done = (await u.client.ok('GET', `/api/v1/alarms/${id}`)).alarm;
  assert.equal(done.state, 'resolved');
  assert.equal(done.response.responder, '保安 次郎');
  assert.equal(done.response.findings, '台所のコンロ元栓付近で微少漏えい。検知器で確認。');
  assert.equal(done.response.action, '元栓を閉止し、配管を修理。漏えい検査で異常なし。');
  assert.equal(new Date(done.response.arrived_at).toISOString(), new Date(`${arrived}:00+09:00`).toISOString());

  // the detail page shows the steps and the record
  await page.locator(`#alarm-list tr[data-id="${id}"] a.alarm-time`).click();
  await page.locator('#response-record dl').waitFor();
  const rec = await page.locator('#response-record').textContent();
  assert.match(rec, /出動者保安 次郎/);
  const [d, hm] = arrived.split('T');
  const [y, mo, dd] = d.split('-').map(Number);
  assert.match(rec, new RegExp(`到着日時${y}年${mo}月${dd}日 ${hm}`));
  assert.match(rec, /台所のコンロ元栓付近で微少漏えい/);
  const steps = await page.locator('.alarm-steps').textContent();
  for (const s of ['受信', '確認', '出動', '到着', '対応完了']) assert.match(steps, new RegExp(s));
  assert.match(steps, /保安 太郎（あなた）/);
  assert.equal(await page.locator('.alarm-moves button').count(), 0, 'nothing left to do');
  await page.locator('#response-record').scrollIntoViewIfNeeded();
  await t.shot('alarm-resolved');

  // the customer's page has it under アラーム, with a way back to it
  await page.goto(`${srv.base}/#/customers/${alarm.customer_id}/alarms`);
  const tabRow = page.locator('.tab-alarms tbody tr', { hasText: '微少漏洩警告' }).first();
  await tabRow.waitFor();
  assert.match(await tabRow.textContent(), /対応完了/);
  await tabRow.getByRole('link', { name: '開く' }).click();
  await page.locator('#response-record dl').waitFor();
  await t.end('customer-alarms');
});

test('the home page\'s alarm panel takes new alarms live and drops resolved ones', async () => {
  const u = await srv.enrolledUser('safety-2', 'safety', '保安 花子');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, u);
  await page.getByRole('heading', { name: 'ホーム' }).waitFor();
  await page.locator('#home-feed-state[data-feed="live"]').waitFor();
  await page.locator('#home-alarms li', { hasText: '対応中のアラームはありません。' }).waitFor();

  await postEvent('shutoff_gas_alarm');
  const item = page.locator('#home-alarms li.alarm.is-gas');
  await item.waitFor({ timeout: 10000 });
  assert.match(await item.textContent(), /ガス警報器連動遮断.*緊急.*未対応/);
  assert.match(await page.locator('#home-alarm-count').textContent(), /^1 件のアラームが対応中ですうちガス 1 件$/);
  await t.shot('home-alarm');

  // someone else resolves it: it leaves the panel
  const id = Number(await item.getAttribute('data-id'));
  await u.client.ok('POST', `/api/v1/alarms/${id}/acknowledge`, {});
  await page.locator(`#home-alarms li[data-id="${id}"] .state-acknowledged`).waitFor();
  await u.client.ok('POST', `/api/v1/alarms/${id}/resolve`, { findings: '誤作動（警報器の電池切れ）', action: '警報器の電池を交換' });
  await page.locator('#home-alarms li', { hasText: '対応中のアラームはありません。' }).waitFor();
  await t.end('home-alarm-resolved');
});

test('a water heater\'s error opens a repair request: schedule the visit, then done', async () => {
  const u = await srv.enrolledUser('office-rq', 'office', '事務 修子');
  let heater = null;
  for (let sp = 1; sp <= 120 && !heater; sp++) {
    const r = await u.client.req('GET', `/api/v1/supply-points/${sp}/appliances`);
    if (r.status === 200) heater = r.json.appliances.find((x) => x.device_id && !x.removed_date);
  }
  assert.ok(heater, 'a water heater with a device id in the seed');
  await postEvent('111', heater.device_id, 'water_heater'); // 点火不良, twice
  await postEvent('111', heater.device_id, 'water_heater');
  const t = await srv.open('/#/repairs');
  const { page } = t;
  await signIn(page, u);
  await page.getByRole('heading', { name: '修理受付' }).waitFor();
  const row = page.locator('#repair-list tbody tr').first();
  await row.waitFor();
  assert.match(await row.textContent(), /111.*点火不良.*給湯.*2.*受付/);
  // 訪問予定 needs its date: said at the field
  await row.getByRole('button', { name: /^更新: 111 / }).click();
  const dlg = page.getByRole('dialog');
  assert.equal(await dlg.getByLabel('状態').inputValue(), 'scheduled');
  await dlg.getByRole('button', { name: '保存する' }).click();
  await dlg.locator('[data-field="scheduled_for"] .field-error', { hasText: '訪問予定日を入力してください。' }).waitFor();
  const day = jstLocal(Date.now() + 2 * 86400 * 1000).slice(0, 10);
  await dlg.getByLabel('訪問予定日').fill(day);
  await dlg.getByLabel('メモ').fill('お客様と電話で調整済み（午前）');
  await dlg.getByRole('button', { name: '保存する' }).click();
  await page.locator('.notice.ok', { hasText: '修理受付を「訪問予定」にしました。' }).waitFor();
  const [y, m, d] = day.split('-').map(Number);
  await page.locator('#repair-list tbody tr[data-state="scheduled"]', { hasText: `${y}年${m}月${d}日` }).waitFor();
  await tablesFit(page);
  await t.shot('repair-scheduled');
  // done: it leaves the list of open requests; the filter is in the URL
  await page.locator('#repair-list tbody tr').first().getByRole('button', { name: /^更新: 111 / }).click();
  assert.equal(await dlg.getByLabel('状態').inputValue(), 'done');
  await dlg.getByRole('button', { name: '保存する' }).click();
  await page.locator('#repair-list .empty', { hasText: '未完了の修理受付はありません。' }).waitFor();
  await page.getByLabel('状態').selectOption('done');
  await page.locator('#repair-list tbody tr[data-state="done"]').waitFor();
  assert.match(page.url(), /#\/repairs\?state=done$/);
  const list = (await u.client.ok('GET', '/api/v1/repair-requests?state=done')).repair_requests;
  assert.equal(list[0].note, 'お客様と電話で調整済み（午前）');
  assert.equal(list[0].scheduled_for, day);
  await t.end('repair-done');
});

test('in English the alarm list names the kinds and states in English; the filter is in the URL', async () => {
  const u = await srv.enrolledUser('safety-en', 'safety', '保安 英子');
  const t = await srv.open('/#/alarms?state=all');
  const { page } = t;
  await signIn(page, u);
  await page.locator('#alarm-list tbody tr').first().waitFor();
  assert.equal(await page.locator('#al-state').inputValue(), 'all');
  await page.locator('#lang').click();
  await page.getByRole('heading', { name: 'Alarms' }).waitFor();
  await page.locator('#alarm-list tbody tr').first().waitFor();
  const text = await page.locator('#alarm-list').textContent();
  assert.match(text, /Minor leak warning/);
  assert.match(text, /Resolved/);
  assert.match(await page.locator('#feed-state').textContent(), /Live|Connecting/);
  // only what is still open
  await page.locator('#al-state').selectOption('open');
  await page.waitForURL(/#\/alarms\?state=open$/);
  await page.locator('#alarm-list .empty', { hasText: 'No alarms match.' }).waitFor();
  await page.goBack();
  await page.locator('#alarm-list tbody tr').first().waitFor();
  assert.equal(await page.locator('#al-state').inputValue(), 'all');
  await tablesFit(page);
  await t.end('alarms-english'); // the language stays with this browser context
});

test('the monitoring words exist in Japanese and English', async () => {
  const dir = join(SRC, 'web/js');
  const load = async (f) => (await import(`data:text/javascript,${encodeURIComponent(
    readFileSync(join(dir, 'messages', f), 'utf8'))}`)).default;
  const [ja, en] = [await load('ja-monitoring.js'), await load('en-monitoring.js')];
  assert.deepEqual(Object.keys(en).sort(), Object.keys(ja).sort());
  const base = readFileSync(join(dir, 'messages/ja.js'), 'utf8');
  const missing = [];
  for (const f of ['pages/alarms-common.js', 'pages/alarms.js', 'pages/alarms-detail.js', 'pages/repairs.js',
                   'pages/devices.js', 'pages/remote-ops.js', 'pages/remote-ops-request.js', 'pages/alarm-settings.js',
                   'panels/alarms.js']) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/\bt\('([a-zA-Z0-9_.]+)'/g)) {
      if (!(m[1] in ja) && !base.includes(`'${m[1]}':`)) missing.push(`${f}: ${m[1]}`);
    }
  }
  assert.deepEqual(missing, []);
});

// `pilotlight ingest` started once on the data directory publishes the key
// pair device keys are sealed to; until then devices cannot be registered.
async function ingestOnce(on = srv) {
  const log = join(on.dir, 'ingest.log');
  const fd = openSync(log, 'a');
  const proc = spawn(BIN, ['ingest', '--data', on.data, '--port', '0', '--serve', on.base,
                           '--token-file', tokenFile], { stdio: ['ignore', 'ignore', fd] });
  const gone = new Promise((r) => proc.on('exit', r));
  let up = false;
  for (let i = 0; i < 200 && !up; i++) {
    let text = '';
    try { text = readFileSync(log, 'utf8'); } catch { /* not yet */ }
    up = text.includes('"ingest.listening"');
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGTERM');
  await gone;
  assert.ok(up, 'ingest started');
}

test('remote shutoff: step-up, no self-approval, a second person approves', async () => {
  await ingestOnce();
  const admin = await srv.enrolledUser('admin-mon', 'admin', '管理 一子');
  const safety = await srv.enrolledUser('safety-3', 'safety', '保安 三郎');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, admin, { recovery: admin.recovery[0] }); // leaves the code steps unused
  await page.getByRole('link', { name: '監視' }).click();
  await page.locator('.monitor-tabs').getByRole('link', { name: '機器' }).click();
  await page.getByRole('heading', { name: '機器' }).waitFor();

  // register: the key is shown once
  await page.locator('#device-register').click();
  const reg = page.getByRole('dialog');
  await reg.getByLabel('機器ID').fill('NCU-BRWS0001');
  await reg.getByLabel('種類').selectOption('smart_meter');
  await reg.getByRole('button', { name: '機器の登録' }).click();
  await page.getByRole('heading', { name: '機器 NCU-BRWS0001 の鍵' }).waitFor();
  assert.match(await page.locator('#device-key').textContent(), /^[0-9a-f]{64}$/);
  await t.shot('device-key');
  await page.getByRole('button', { name: '控えたので閉じる' }).click();
  const row = page.locator('#device-list tr[data-id="NCU-BRWS0001"]');
  await row.waitFor();
  assert.match(await row.textContent(), /スマートメーター（NCU）.*未受信.*使用中/);
  await tablesFit(page);
  // the same id again: refused, in Japanese, at the form
  await page.locator('#device-register').click();
  t.expectHttp(409);
  await reg.getByLabel('機器ID').fill('NCU-BRWS0001');
  await reg.getByRole('button', { name: '機器の登録' }).click();
  await reg.locator('.form-msg.error', { hasText: 'この機器IDはすでに登録されています' }).waitFor();
  await reg.getByRole('button', { name: 'キャンセル' }).click();

  // request a shutoff: the code again first (the sign-in's is no longer
  // fresh: whole seconds, so more than 3 s after it)
  await page.waitForTimeout(3500);
  t.expectHttp(403);
  await row.getByRole('button', { name: '遠隔遮断: NCU-BRWS0001' }).click();
  const req = page.getByRole('dialog');
  await req.getByRole('button', { name: '遮断を依頼する' }).click();
  await req.locator('[data-field="reason"] .field-error', { hasText: '入力してください' }).waitFor();
  await req.getByLabel('理由').fill('漏えい警報が続き、お客様と連絡が取れないため');
  await req.getByRole('button', { name: '遮断を依頼する' }).click();
  await page.getByRole('heading', { name: 'ワンタイムコードの再入力' }).waitFor();
  await t.shot('shutoff-step-up');
  await page.getByLabel('ワンタイムコード（6 桁）').fill(totp(admin.secret, 1));
  await page.getByRole('button', { name: '確認する' }).click();
  // requested: the list of remote operations, waiting for someone else
  await page.getByRole('heading', { name: '遠隔操作' }).waitFor();
  const op = page.locator('#remote-op-list tbody tr').first();
  await op.waitFor();
  assert.match(await op.textContent(), /管理 一子（あなた）遠隔遮断NCU-BRWS0001漏えい警報が続き.*承認待ち承認期限/);
  assert.match(await op.textContent(), /ほかの担当者の承認を待っています/);
  assert.equal(await op.getByRole('button', { name: /承認/ }).count(), 0, 'no approving one\'s own request');
  assert.match(await page.locator('#shutoff-cap').textContent(), /この 1 時間の遠隔遮断: 1 \/ 5 件/);
  await tablesFit(page);
  await t.shot('shutoff-requested');
  await t.context.close();

  // the second person approves, with a fresh code
  const t2 = await srv.open('/#/remote-ops');
  await signIn(t2.page, safety, { recovery: safety.recovery[0] });
  await t2.page.getByRole('heading', { name: '遠隔操作' }).waitFor();
  const op2 = t2.page.locator('#remote-op-list tbody tr[data-status="requested"]').first();
  await op2.waitFor();
  // a role that may not list users sees the requester's number, not a name
  assert.match(await op2.textContent(), /利用者 #\d+/);
  await t2.page.waitForTimeout(3500);
  t2.expectHttp(403);
  await op2.getByRole('button', { name: '承認: 遠隔遮断 NCU-BRWS0001' }).click();
  await t2.page.getByRole('heading', { name: 'ワンタイムコードの再入力' }).waitFor();
  await t2.page.getByLabel('ワンタイムコード（6 桁）').fill(totp(safety.secret, 1));
  await t2.page.getByRole('button', { name: '確認する' }).click();
  await t2.page.locator('.notice.ok', { hasText: 'NCU-BRWS0001 の遠隔操作を承認しました。メーターに送ります。' }).waitFor();
  const after = t2.page.locator('#remote-op-list tbody tr').first();
  await after.locator('.op-approved, .op-sent').waitFor();
  assert.match(await after.textContent(), /承認: 保安 三郎（あなた）/);
  const ops = (await safety.client.ok('GET', '/api/v1/remote-operations')).operations;
  assert.ok(['approved', 'sent'].includes(ops[0].status), ops[0].status);
  assert.equal(ops[0].decided_by !== ops[0].requested_by, true);
  await tablesFit(t2.page);
  await t2.end('shutoff-approved');

  // the meter is taken out: the admin retires its device
  const t3 = await srv.open('/#/devices');
  await signIn(t3.page, admin, { recovery: admin.recovery[1] });
  const dev = t3.page.locator('#device-list tr[data-id="NCU-BRWS0001"]');
  await dev.getByRole('button', { name: '使用停止: NCU-BRWS0001' }).click();
  await t3.page.getByRole('heading', { name: '機器 NCU-BRWS0001 の使用停止' }).waitFor();
  await t3.page.getByRole('dialog').getByRole('button', { name: '使用停止' }).click();
  await t3.page.locator('.notice.ok', { hasText: '機器 NCU-BRWS0001 を使用停止にしました。' }).waitFor();
  await t3.page.locator('#device-list .empty', { hasText: '該当する機器はありません。' }).waitFor(); // in use: none
  await t3.page.getByLabel('状態').selectOption('retired');
  await t3.page.waitForURL(/#\/devices\?status=retired$/);
  assert.match(await t3.page.locator('#device-list tr[data-id="NCU-BRWS0001"]').textContent(), /使用停止$/);
  const d = (await admin.client.ok('GET', '/api/v1/devices/NCU-BRWS0001')).device;
  assert.equal(d.status, 'retired');
  await t3.shot('device-retired');

  // the approved shutoff never reached the meter: failed, and why
  await t3.page.locator('.monitor-tabs').getByRole('link', { name: '遠隔操作' }).click();
  await t3.page.getByLabel('状態').selectOption('failed');
  await t3.page.waitForURL(/#\/remote-ops\?status=failed$/);
  const failed = t3.page.locator('#remote-op-list tbody tr[data-status="failed"]').first();
  await failed.waitFor();
  const gone = (await admin.client.ok('GET', '/api/v1/remote-operations?status=failed')).operations[0];
  assert.equal(gone.failure, 'device_retired');
  assert.match(await failed.locator('.chip').textContent(), /^失敗$/);
  const why = await failed.locator('.op-outcome').textContent();
  const [fy, fm, fd] = gone.failed_at.slice(0, 10).split('-').map(Number);
  assert.match(why, new RegExp(`^失敗 ${fy}年${fm}月${fd}日 \\d\\d:\\d\\d`));
  assert.match(why, /メーターに送る前に機器が使用停止になったため、指令を取り消しました。/);
  await tablesFit(t3.page);
  await t3.end('remote-op-failed');
});

// A request of the API that wants a fresh one-time code: given, then sent again.
async function withCode(u, method, path, body) {
  let r = await u.client.req(method, path, body);
  if (r.status === 403 && r.json?.code === 'auth.step_up_required') {
    await u.client.ok('POST', '/api/v1/auth/step-up', { code: totp(u.secret, 2) });
    r = await u.client.req(method, path, body);
  }
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

test('remote operations past their deadline say why they expired', async () => {
  const s2 = new Server();
  await s2.start('console-monitoring-ttl', ['--internal-token-file', tokenFile, '--remote-op-ttl', '10']);
  try {
    await ingestOnce(s2);
    const a = await s2.enrolledUser('admin-ttl', 'admin', '管理 期子');
    const b = await s2.enrolledUser('safety-ttl', 'safety', '保安 期男');
    for (const id of ['NCU-TTL00001', 'NCU-TTL00002']) {
      await a.client.ok('POST', '/api/v1/devices', { device_id: id, kind: 'smart_meter' });
    }
    // one waits for an approval that never comes; the other is approved,
    // but no ingest runs to hand it to the meter
    const lone = (await withCode(a, 'POST', '/api/v1/devices/NCU-TTL00001/shutoff', { reason: '期限切れの確認（承認なし）' })).operation;
    const sent = (await withCode(a, 'POST', '/api/v1/devices/NCU-TTL00002/shutoff', { reason: '期限切れの確認（承認済み）' })).operation;
    await withCode(b, 'POST', `/api/v1/remote-operations/${sent.id}/approve`, {});
    const ops = async () => (await a.client.ok('GET', '/api/v1/remote-operations?status=expired')).operations;
    for (let i = 0; i < 60 && (await ops()).length < 2; i++) await new Promise((r) => setTimeout(r, 500));
    const expired = await ops();
    assert.equal(expired.length, 2, 'both expired');

    const t = await s2.open('/#/remote-ops?status=expired');
    const { page } = t;
    await signIn(page, a, { recovery: a.recovery[0] });
    await page.getByRole('heading', { name: '遠隔操作' }).waitFor();
    assert.equal(await page.getByLabel('状態').inputValue(), 'expired');
    const row = (op) => page.locator(`#remote-op-list tbody tr[data-id="${op.id}"][data-status="expired"]`);
    await row(lone).waitFor();
    const when = (op) => {
      const d = new Date(op.expires_s * 1000 + 9 * 3600 * 1000).toISOString();
      return `${Number(d.slice(0, 4))}年${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日 ${d.slice(11, 16)}`;
    };
    const byId = Object.fromEntries(expired.map((x) => [x.id, x]));
    assert.equal(await row(lone).locator('.chip').textContent(), '期限切れ');
    assert.equal(await row(lone).locator('.op-outcome').textContent(),
                 `期限切れ ${when(byId[lone.id])}承認されないまま承認期限を過ぎました。必要なら、もう一度依頼してください。`);
    assert.match(await row(sent).textContent(), /承認: 保安 期男/);
    assert.equal(await row(sent).locator('.op-outcome').textContent(),
                 `期限切れ ${when(byId[sent.id])}メーターに届かないまま期限を過ぎたため、指令を取り消しました。`);
    assert.equal(await page.locator('#remote-op-list tbody button').count(), 0, 'nothing left to decide');
    await tablesFit(page);
    await t.end('remote-ops-expired');
  } finally {
    await s2.stop();
  }
});

test('alarm notification targets: saved, the webhook secret shown once', async () => {
  const u = await srv.enrolledUser('safety-nt', 'safety', '保安 通子');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, u);
  await page.getByRole('link', { name: '監視' }).click();
  await page.locator('.monitor-tabs').getByRole('link', { name: '通知設定' }).click();
  await page.getByRole('heading', { name: '警報の通知設定' }).waitFor();
  assert.match(page.url(), /#\/alarm-settings$/);
  const url = page.getByLabel('通知先の URL');
  const mails = page.getByLabel('メールアドレス');
  assert.equal(await url.inputValue(), '');
  assert.equal(await mails.inputValue(), '');
  assert.equal(await page.getByLabel('署名用シークレットを作り直す').count(), 0, 'no secret to renew yet');
  const save = page.locator('#alarm-settings-form').getByRole('button', { name: '保存する' });

  // mistakes: said at their fields, nothing sent
  await url.fill('alerts.example.jp/pilotlight');
  await mails.fill('hoan@example.jp\nkanri@@example.jp');
  await save.click();
  await page.locator('[data-field="webhook_url"] .field-error', { hasText: 'https:// で始まる URL を入力してください。' }).waitFor();
  await page.locator('[data-field="emails"] .field-error', { hasText: '「kanri@@example.jp」はメールアドレスの形式ではありません。' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'webhook_url');
  let now = (await u.client.ok('GET', '/api/v1/alarm-settings')).settings;
  assert.deepEqual(now, { webhook_url: null, emails: [] });

  // saved: the signing secret is shown once
  const hook = 'https://alerts.example.jp/pilotlight/alarms';
  await url.fill(hook);
  await mails.fill('hoan@example.jp\nkanri@example.jp\n');
  await save.click();
  const dlg = page.getByRole('dialog');
  await dlg.getByRole('heading', { name: '警報 Webhook の署名用シークレット' }).waitFor();
  const secret = await dlg.locator('#secret-once').inputValue();
  assert.match(secret, /^[0-9a-f]{64}$/);
  await t.shot('alarm-secret-once');
  await dlg.getByRole('button', { name: '控えたので閉じる' }).click();
  await page.locator('.notice.ok', { hasText: '警報の通知設定を保存しました。' }).waitFor();
  now = (await u.client.ok('GET', '/api/v1/alarm-settings')).settings;
  assert.deepEqual(now, { webhook_url: hook, emails: ['hoan@example.jp', 'kanri@example.jp'] });

  // never again: not after a reload, not when saving something else
  await page.reload();
  await page.getByRole('heading', { name: '警報の通知設定' }).waitFor();
  await page.locator('#alarm-settings-form').waitFor();
  assert.equal(await url.inputValue(), hook);
  assert.equal(await mails.inputValue(), 'hoan@example.jp\nkanri@example.jp');
  assert.ok(!(await page.content()).includes(secret), 'the secret is not on the page');
  await mails.fill('hoan@example.jp');
  await save.click();
  await page.locator('.notice.ok', { hasText: '警報の通知設定を保存しました。' }).waitFor();
  assert.equal(await page.getByRole('dialog').count(), 0, 'no secret the second time');
  now = (await u.client.ok('GET', '/api/v1/alarm-settings')).settings;
  assert.deepEqual(now, { webhook_url: hook, emails: ['hoan@example.jp'] });
  assert.ok(!JSON.stringify(now).includes(secret));

  // a new secret when asked for, different from the first
  await page.getByLabel('署名用シークレットを作り直す').check();
  await save.click();
  await dlg.getByRole('heading', { name: '警報 Webhook の署名用シークレット' }).waitFor();
  const fresh = await dlg.locator('#secret-once').inputValue();
  assert.match(fresh, /^[0-9a-f]{64}$/);
  assert.notEqual(fresh, secret);
  await dlg.getByRole('button', { name: '控えたので閉じる' }).click();
  // saved: the form again, the box clear
  await page.waitForFunction(() => document.querySelector('#alarm-settings-form [name="rotate_secret"]')?.checked === false);
  await t.shot('alarm-settings-saved');

  // the webhook stopped, after a confirmation; the address stays
  await url.fill('');
  await save.click();
  await page.getByRole('dialog').getByRole('button', { name: '止める' }).click();
  await page.locator('.notice.ok', { hasText: 'Webhook への通知を止めました。' }).waitFor();
  now = (await u.client.ok('GET', '/api/v1/alarm-settings')).settings;
  assert.deepEqual(now, { webhook_url: null, emails: ['hoan@example.jp'] });
  assert.equal(await page.getByLabel('署名用シークレットを作り直す').count(), 0);
  await t.end('alarm-webhook-stopped');

  // a read-only role sees where alarms go, and cannot change it
  const ro = await srv.enrolledUser('readonly-nt', 'readonly', '閲覧 見子');
  const t2 = await srv.open('/#/alarm-settings');
  await signIn(t2.page, ro);
  await t2.page.getByRole('heading', { name: '警報の通知設定' }).waitFor();
  await t2.page.locator('#alarm-settings dl').waitFor();
  assert.match(await t2.page.locator('#alarm-settings dl').textContent(), /Webhook未設定メールの宛先hoan@example\.jp/);
  assert.equal(await t2.page.locator('#alarm-settings form').count(), 0);
  await t2.end('alarm-settings-readonly');

  // the office, looking under 設定 › 通知とセッション, is sent here
  const of = await srv.enrolledUser('office-nt', 'office', '事務 通子');
  const t3 = await srv.open('/#/settings/notifications');
  await signIn(t3.page, of);
  await t3.page.locator('#alarm-targets-link').getByRole('link', { name: '警報の通知設定を開く' }).click();
  await t3.page.getByRole('heading', { name: '警報の通知設定' }).waitFor();
  assert.equal(await t3.page.getByLabel('メールアドレス').inputValue(), 'hoan@example.jp');
  await t3.end('alarm-settings-from-settings');
});
