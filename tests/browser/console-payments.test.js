// console-payments.test.js — the 入金 (payments) screens of the console in
// real headless Chromium against a real `pilotlight serve` over a seeded
// retailer (console-harness.js). Journeys:
//
//  * direct debit end to end, as the accountant: a debit date on a
//    Saturday is refused at the field, in Japanese; the request is checked
//    (preview), then made; its Zengin file is downloaded through the
//    step-up prompt; the bank's result is built here from those bytes
//    (120-byte records, Shift_JIS half-width kana left as they are, one
//    result code set per data record, the trailer's split filled in); a
//    tampered copy is refused with the line named and nothing imported;
//    the real one is checked, imported, and summed up by result code
//    (0 ×2, 1, 2, 3, 4, 8, 9) with a follow-up per failure; the same file
//    again changes nothing; the follow-ups list shows the six failures
//    with what each asks for;
//  * cash and transfers, as an office user: a cash collection, typed
//    before a reload and put back after it, gets the next receipt
//    number; a transfer typed from the passbook that fits no single
//    invoice waits on the review list and is assigned to the customer
//    found by number; each payment sent carries its own random
//    Idempotency-Key;
//  * every word the payments screens use exists in Japanese and English.
//
// The seeded history has every debit collected already, so the setup
// reverses the latest eight debit payments (money the bank took back):
// their invoices are owed again and go on a request. The collection
// contract (委託者情報) is set through the API. Screenshots under
// browser-out/console-payments/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SRC, Server, signIn, totp } from './console-harness.js';

const srv = new Server();
let admin;           // an enrolled admin with an API client (set-up)
let runId = 0;       // the latest billing run
let debitOn = '';    // a bank business day the API accepts
let saturday = '';   // a Saturday after today
const CODES = ['0', '1', '2', '3', '4', '8', '9', '0']; // the bank's answer, record by record

const iso = (d) => d.toISOString().slice(0, 10);

before(async () => {
  // a one-time code counts as fresh for 2 s only, so the download meets
  // the step-up prompt without waiting five minutes
  await srv.start('console-payments', ['--step-up', '2']);
  admin = await srv.enrolledUser('admin-p', 'admin', '管理 太郎');
  const c = admin.client;
  await c.ok('POST', '/api/v1/auth/step-up', { code: totp(admin.secret, 1) });
  await c.ok('PUT', '/api/v1/settings/payments', { debit: {
    requester_code: '0098765432', requester_name: 'スルガプロパン（カ', bank: { code: '0149', name: 'シズオカ' },
    branch: { code: '001', name: 'ホンテン' }, account_type: 1, account_number: '7654321',
    line_ending: 'crlf', files: 'combined' } });
  const debits = (await c.ok('GET', '/api/v1/payments?method=debit&kind=payment&limit=8')).payments;
  assert.equal(debits.length, 8);
  for (const p of debits) await c.ok('POST', `/api/v1/payments/${p.id}/reverse`, { reason: '銀行から返還' });
  runId = (await c.ok('GET', '/api/v1/billing-runs')).billing_runs[0].id;
  // the first day from a week ahead that the API takes as a bank business
  // day (holidays are the API's to know), and a Saturday
  const d = new Date(Date.now() + 7 * 86400000);
  for (let i = 0; i < 20 && (!debitOn || !saturday); i++, d.setUTCDate(d.getUTCDate() + 1)) {
    if (d.getUTCDay() === 6 && !saturday) saturday = iso(d);
    if (debitOn) continue;
    const r = await c.req('POST', '/api/v1/debit-requests', { run_id: runId, debit_on: iso(d), preview: true });
    if (r.status === 200) {
      assert.equal(r.json.lines, 8);
      debitOn = iso(d);
    }
  }
  assert.ok(debitOn && saturday);
});

after(async () => { await srv.stop(); });

// The bank's result from the request's bytes: each data record's code at
// position 112, the trailer's split (debited count, amount, failed count,
// amount) at 20–55. Records are 120 bytes and CR LF.
function resultOf(req, codes) {
  const res = Buffer.from(req);
  const n = res.length / 122;
  let dc = 0, da = 0, fc = 0, fa = 0;
  for (let i = 1; i < n - 2; i++) {
    const at = i * 122;
    assert.equal(String.fromCharCode(res[at]), '2');
    const code = codes[i - 1];
    res[at + 111] = code.charCodeAt(0);
    const amount = Number(res.subarray(at + 80, at + 90).toString('latin1'));
    if (code === '0') { dc++; da += amount; } else { fc++; fa += amount; }
  }
  const trailer = (n - 2) * 122;
  assert.equal(String.fromCharCode(res[trailer]), '8');
  const split = `${String(dc).padStart(6, '0')}${String(da).padStart(12, '0')}` +
                `${String(fc).padStart(6, '0')}${String(fa).padStart(12, '0')}`;
  res.write(split, trailer + 19, 'latin1');
  return { buf: res, failed: fc };
}

test('direct debit: make the request, download it with the one-time code, import the result', async () => {
  const u = await srv.enrolledUser('keiri-p', 'accountant', '経理 花子');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, u, { recovery: u.recovery[0] }); // leaves the code steps unused
  const signedInAt = Date.now();

  await page.getByRole('link', { name: '入金・督促' }).click();
  await page.getByRole('heading', { name: '入金', exact: true }).waitFor();
  await page.locator('#pay-debits .panel-body :is(p, table)').first().waitFor();
  await page.getByRole('link', { name: '新しい依頼を作成' }).click();
  await page.getByRole('heading', { name: '口座振替依頼の作成' }).waitFor();
  assert.equal(await page.getByLabel('請求締め').inputValue(), String(runId));

  // a Saturday: refused at the field, in Japanese
  t.expectHttp(422);
  await page.getByLabel('振替日').fill(saturday);
  await page.getByRole('button', { name: '内容を確認' }).click();
  const dateField = page.locator('[data-field="debit_on"]');
  await dateField.locator('.field-error', { hasText: '銀行の営業日を指定してください' }).waitFor();
  assert.equal(await dateField.locator('input').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.locator('#debit-create').isDisabled(), true);

  // a business day: the preview, then the request
  await page.getByLabel('振替日').fill(debitOn);
  await page.getByRole('button', { name: '内容を確認' }).click();
  await page.locator('#debit-preview-lines', { hasText: '8' }).waitFor();
  assert.match(await page.locator('.debit-form .form-msg').textContent(), /8 件・[\d,]+円 を依頼できます/);
  await page.locator('#debit-create').click();
  await page.getByRole('heading', { name: /口座振替依頼 No\.\d+/ }).waitFor();
  const reqId = /No\.(\d+)/.exec(await page.locator('h1').textContent())[1];
  assert.match(page.url(), new RegExp(`#/payments/debits/${reqId}$`));
  await page.locator('h1 .chip', { hasText: '結果待ち' }).waitFor();

  // the download wants a fresh code: the prompt, then the file
  await page.waitForTimeout(Math.max(0, signedInAt + 3500 - Date.now()));
  t.expectHttp(403);
  const download = page.waitForEvent('download');
  await page.locator('#debit-download-1').click();
  await page.getByRole('heading', { name: 'ワンタイムコードの再入力' }).waitFor();
  await t.shot('debit-step-up');
  await page.getByLabel('ワンタイムコード（6 桁）').fill(totp(u.secret, 1));
  await page.getByRole('button', { name: '確認する' }).click();
  const file = await download;
  assert.match(file.suggestedFilename(), new RegExp(`^debit-${reqId}-1-\\d{4}\\.txt$`));
  const req = readFileSync(await file.path());
  assert.equal(req.length, 11 * 122); // header, 8 debits, trailer, end
  assert.equal(String.fromCharCode(req[0]), '1');
  await page.locator('#debit-download-msg', { hasText: /を保存しました（8 件）/ }).waitFor();
  await page.locator('table.debit-files', { hasText: '1 回' }).waitFor();

  const { buf, failed } = resultOf(req, CODES);
  assert.equal(failed, 6);

  // a tampered file (one amount changed, the trailer not): refused, the
  // line named, nothing imported
  const bad = Buffer.from(buf);
  bad.write('9', 3 * 122 + 80, 'latin1');
  await page.locator('#debit-result-file').setInputFiles({ name: 'kekka.txt', mimeType: 'application/octet-stream', buffer: bad });
  await page.getByRole('button', { name: '確認', exact: true }).click();
  const msg = page.locator('#debit-result-msg');
  await msg.locator('p', { hasText: /ではありません|読めません/ }).first().waitFor();
  assert.match(await msg.textContent(), /行/);
  assert.equal(await page.locator('#debit-summary').count(), 0);

  // the bank's real answer: checked, then imported
  await page.locator('#debit-result-file').setInputFiles({ name: 'kekka.txt', mimeType: 'application/octet-stream', buffer: buf });
  await page.getByRole('button', { name: '確認', exact: true }).click();
  await page.locator('#debit-summary.dry h3', { hasText: 'まだ取り込んでいません' }).waitFor();
  await page.getByRole('button', { name: '取り込む' }).click();
  await page.locator('#debit-summary.done h3', { hasText: '取込結果' }).waitFor();
  assert.match(await msg.textContent(), /振替済 2 件を入金として記録し、振替不能 6 件の対応事項を作成しました/);

  // the summary by result code: every code once, 0 twice
  const codes = page.locator('#debit-summary table.debit-codes');
  const count = async (code) => (await codes.locator(`tr[data-code="${code}"] td`).nth(2).textContent()).trim();
  assert.equal(await count(0), '2');
  for (const code of [1, 2, 3, 4, 8, 9]) assert.equal(await count(code), '1', `code ${code}`);
  assert.match(await codes.locator('tr[data-code="1"]').textContent(), /資金不足.*再振替/);
  assert.match(await codes.locator('tr[data-code="2"]').textContent(), /預金取引なし.*振込用紙を送付/);
  assert.match(await codes.locator('tr[data-code="3"]').textContent(), /預金者の都合による振替停止.*お客さまに連絡/);
  assert.equal(await page.locator('#debit-summary table.debit-failures tbody tr').count(), 6);
  await page.locator('#debit-failed', { hasText: '6 件' }).waitFor();
  await page.locator('h1 .chip', { hasText: '結果取込済' }).waitFor();
  await page.locator('#debit-summary table.debit-codes').scrollIntoViewIfNeeded();
  await t.shot('debit-imported');

  // the same file again: nothing changes, and the page says so
  await page.locator('#debit-result-file').setInputFiles({ name: 'kekka.txt', mimeType: 'application/octet-stream', buffer: buf });
  await page.getByRole('button', { name: '確認', exact: true }).click();
  await msg.locator(':scope', { hasText: 'すでに取り込まれています' }).waitFor();
  assert.equal(await page.getByRole('button', { name: '取り込む' }).isDisabled(), true);

  // the follow-ups: the six failures, each with what it asks for
  await page.locator('#debit-to-followups').click();
  await page.getByRole('heading', { name: '振替不能の対応' }).waitFor();
  assert.match(page.url(), /#\/payments\/followups\?status=open$/);
  const rows = page.locator('table.followups tbody tr');
  await rows.first().waitFor();
  for (const [code, action] of [[1, '再振替'], [2, '振込用紙を送付'], [4, '振込用紙を送付'], [3, 'お客さまに連絡'],
                                [8, 'お客さまに連絡'], [9, 'お客さまに連絡']]) {
    assert.match(await page.locator(`table.followups tbody tr[data-code="${code}"]`).first().textContent(),
                 new RegExp(action), `code ${code}`);
  }
  const api = await admin.client.ok('GET', '/api/v1/payment-followups?status=open&limit=500');
  assert.equal(await rows.count(), Math.min(50, api.followups.length));
  assert.equal(api.followups.filter((f) => f.created_by !== 'seed').length, 6);
  await t.end('debit-followups');
});

test('cash collection gets a receipt number; a transfer from the review list is assigned', async () => {
  const u = await srv.enrolledUser('jimu-p', 'office', '事務 次郎');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, u);
  const cust = (await admin.client.ok('GET', '/api/v1/customers/3'));
  const before = (await admin.client.ok('GET', '/api/v1/payments?method=cash&limit=1')).payments[0]?.receipt_number || 0;
  const keys = []; // the Idempotency-Key of each payment sent
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/v1/payments')) keys.push(r.headers()['idempotency-key']);
  });

  // 集金: the customer found by number; the amount taken from the invoice
  await page.goto(`${srv.base}/#/payments/cash`);
  await page.getByRole('heading', { name: '集金の入力' }).waitFor();
  await page.getByRole('searchbox', { name: 'お客さま' }).fill(cust.number);
  await page.locator('.pick-list .pick', { hasText: cust.number }).first().click();
  await page.locator('#cash-balance', { hasText: '残高' }).waitFor();
  await page.getByLabel('金額（円）').fill('5000');
  // what was typed survives a reload (a session that ended, too): the
  // customer comes back with the amount typed
  await page.waitForTimeout(400);
  await page.reload();
  await page.locator('.cash-form .draft-note', { hasText: '前回入力途中だった内容を元に戻しました' }).waitFor();
  await page.locator('.cash-form .picked', { hasText: cust.number }).waitFor();
  await page.locator('#cash-balance', { hasText: '残高' }).waitFor();
  assert.equal(await page.getByLabel('金額（円）').inputValue(), '5000');
  await page.getByRole('button', { name: '記録する' }).click();
  await page.locator('#cash-receipt-no', { hasText: String(before + 1) }).waitFor();
  await page.locator('table.cash-list tbody tr', { hasText: cust.number }).first().waitFor();
  const cash = (await admin.client.ok('GET', '/api/v1/payments?method=cash&limit=1')).payments[0];
  assert.equal(cash.receipt_number, before + 1);
  assert.equal(cash.customer.id, cust.id);
  assert.equal(cash.reference, '事務 次郎'); // 集金者, the signed-in user by default

  // a transfer nobody's name and amount fit: on the review list
  await page.getByRole('link', { name: '振込の照合' }).click();
  await page.getByRole('heading', { name: '振込の照合' }).waitFor();
  await page.locator('.transfer-entry > summary').click();
  await page.getByLabel('振込人名').fill('ﾅｿﾞﾉ ｼﾔ');
  await page.getByLabel('金額（円）').fill('12345');
  await page.getByRole('button', { name: '記録する' }).click();
  await page.locator('.transfer-form .form-msg', { hasText: '要確認' }).waitFor();
  const row = page.locator('table.transfers tbody tr', { hasText: 'ﾅｿﾞﾉ ｼﾔ' });
  await row.waitFor();
  await row.getByRole('button', { name: '割り当てる' }).click();
  await page.getByRole('heading', { name: '振込を顧客に割り当てる' }).waitFor();
  await page.getByRole('searchbox', { name: 'お客さま' }).fill(cust.number);
  await page.locator('dialog .pick-list .pick', { hasText: cust.number }).first().click();
  await page.locator('dialog').getByRole('button', { name: '割り当てる' }).click();
  await page.locator('.notice.ok', { hasText: `${cust.name} 様の入金として記録しました` }).waitFor();
  await row.waitFor({ state: 'detached' });
  // one random UUID per submission
  assert.equal(keys.length, 2);
  for (const k of keys) assert.match(k, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(keys[0], keys[1]);
  const tr = (await admin.client.ok('GET', '/api/v1/bank-transfers?status=assigned&limit=500')).transfers
    .find((x) => x.payer_name === 'ﾅｿﾞﾉ ｼﾔ');
  assert.equal(tr.customer.id, cust.id);
  await t.end('cash-transfer');
});

test('the payments words exist in Japanese and English', async () => {
  const dir = join(SRC, 'web/js');
  const load = async (f) => (await import(`data:text/javascript,${encodeURIComponent(
    readFileSync(join(dir, 'messages', f), 'utf8'))}`)).default;
  const [ja, en] = [await load('ja-payments.js'), await load('en-payments.js')];
  assert.deepEqual(Object.keys(en).sort(), Object.keys(ja).sort());
  const base = readFileSync(join(dir, 'messages/ja.js'), 'utf8');
  const known = (k) => k in ja || base.includes(`'${k}':`);
  const missing = [];
  for (const f of ['payments-common.js', 'payments-home.js', 'payments-followups.js', 'payments-transfers.js',
                   'payments-cash.js', 'payments-ageing.js', 'debit-requests.js', 'debit-new.js', 'debit-request.js',
                   'overdue.js']) {
    for (const m of readFileSync(join(dir, 'pages', f), 'utf8').matchAll(/\bt\('([a-zA-Z0-9_.]+)'/g)) {
      if (!known(m[1])) missing.push(`${f}: ${m[1]}`);
    }
  }
  // the words picked by a value from the API
  const families = {
    'debit.code': [0, 1, 2, 3, 4, 8, 9], 'debit.status': ['created', 'partial', 'imported', 'cancelled'],
    'debit.filesMode': ['combined', 'per_bank'], 'debit.lineEnding': ['crlf', 'none'],
    'followup.action': ['redebit', 'transfer_slip', 'contact'], 'followup.filter': ['open', 'done', 'all'],
    'followup.none': ['open', 'done', 'all'], 'transfer.status': ['review', 'matched', 'assigned', 'dismissed'],
    'transfer.filter': ['review', 'matched', 'assigned', 'dismissed', 'all'],
    'transfer.none': ['review', 'matched', 'assigned', 'dismissed', 'all'],
  };
  for (const [k, vs] of Object.entries(families)) for (const v of vs) if (!known(`${k}.${v}`)) missing.push(`${k}.${v}`);
  assert.deepEqual(missing, []);
});
