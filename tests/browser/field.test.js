// field.test.js — the meter reader's page (web/field/) in real headless
// Chromium on a phone-sized screen (360 px) against a real `pilotlight
// serve`: a reader signs in (first sign-in: authenticator set-up), opens
// route R01 (cards in route order, 犬注意 shown), goes offline, records two
// readings (usage shown at once; queued: 未送信 2 件), reloads the page
// while still offline (the service worker and IndexedDB bring back the
// page, the sheet and the queue), comes back online and sees them sent
// (送信済み), one with its flag (要確認: 使用量ゼロ); the API's route sheet
// then holds both. Then: an impossible index stays on its card as the
// server's error; a reading queued offline survives the session's end
// (sign-in again with a recovery code) and is sent afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BIN = process.env.PILOTLIGHT_BIN || './build/pilotlight';
const SRC = process.env.PILOTLIGHT_SRC || '.';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const TENANT = '0042';

let dir, data, server, base, browser, logPath;

function cli(...args) {
  return execFileSync(BIN, args, { encoding: 'utf8' });
}

// `pilotlight user create`; returns the printed initial password.
function makeUser(login, role) {
  const out = cli('user', 'create', '--data', data, '--tenant', TENANT,
                  '--login', login, '--name', `${role}テスト`, '--role', role);
  return /initial password: (\S+)/.exec(out)[1];
}

// The one-time code of secret for the current 30-s step.
function totp(secret) {
  return cli('totp', '--secret', secret).slice(0, 6);
}

async function waitListening() {
  for (let i = 0; i < 200; i++) {
    let log = '';
    try { log = readFileSync(logPath, 'utf8'); } catch {}
    const m = log.match(/"event":"serve.listening".*?"port":(\d+)/);
    if (m) return Number(m[1]);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('server did not start');
}

// A minimal API client with one session cookie, for setting up data.
class Client {
  constructor() { this.cookie = ''; this.csrf = ''; }

  async req(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (this.cookie) headers.Cookie = this.cookie;
    if (this.csrf && method !== 'GET') headers['X-CSRF-Token'] = this.csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(base + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const c of res.headers.getSetCookie()) {
      if (c.startsWith('pl_session=')) this.cookie = c.split(';')[0];
    }
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (json?.csrf) this.csrf = json.csrf;
    return { status: res.status, json };
  }

  async ok(method, path, body) {
    const r = await this.req(method, path, body);
    assert.ok(r.status >= 200 && r.status < 300,
              `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  }

  // First sign-in of a new user: password, then enrolment.
  async enroll(login, password) {
    const r = await this.ok('POST', '/api/v1/auth/login',
                            { tenant: TENANT, login_id: login, password });
    assert.equal(r.stage, 'enroll');
    const e = await this.ok('GET', '/api/v1/auth/enroll');
    await this.ok('POST', '/api/v1/auth/enroll', { code: totp(e.secret) });
  }
}

function jstDate(d = new Date()) {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit',
  }).format(d);
}

function lastDayOf(month) {
  const [y, m] = month.split('-').map(Number);
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}

function previousMonth(month) {
  const [y, m] = month.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

const MONTH = jstDate().slice(0, 7);

// The meter's index at installation: 15 m³ before last month's reading, a
// usual month (so the new readings compare with a normal last month).
function initialIndex(prev) {
  return (Number(prev) - 15).toFixed(1);
}
const points = []; // { id, name, serial, previous }

// Three households on route R01 (given out of order), each with a meter
// and a contract; 犬注意 on the second. Last month's period is read in
// the office so every point has a previous index.
async function setUp(admin) {
  const homes = [
    { order: 30, number: 'F-3', name: '佐藤花子', kana: 'サトウハナコ', serial: 'FT-0003', prev: '210.0' },
    { order: 10, number: 'F-1', name: '鈴木一郎', kana: 'スズキイチロウ', serial: 'FT-0001', prev: '1234.5' },
    { order: 20, number: 'F-2', name: '高橋次郎', kana: 'タカハシジロウ', serial: 'FT-0002', prev: '502.3', notes: '犬注意（裏口から）' },
  ];
  const lastMonth = previousMonth(MONTH);
  const installed = `${previousMonth(lastMonth)}-01`;
  for (const x of homes) {
    const c = await admin.ok('POST', '/api/v1/customers', {
      number: x.number, name: x.name, kana: x.kana, kind: 'household',
    });
    const sp = await admin.ok('POST', '/api/v1/supply-points', {
      prefecture: '大分県', city: '別府市', street: `北浜${x.order}-1`,
      supply_kind: 'individual', route: 'R01', route_order: x.order,
      notes: x.notes || null,
    });
    await admin.ok('POST', `/api/v1/supply-points/${sp.id}/move`, {
      customer_id: c.id, date: installed,
      contract: { payment_method: 'transfer' },
    });
    await admin.ok('POST', `/api/v1/supply-points/${sp.id}/meters`, {
      serial: x.serial, kind: 'E', capacity: '2.5', install_date: installed,
      initial_index: initialIndex(x.prev),
    });
    points.push({ id: sp.id, order: x.order, ...x });
  }
  points.sort((a, b) => a.order - b.order);
  const old = await admin.ok('POST', '/api/v1/reading-periods', {
    route: 'R01', month: lastMonth, starts_on: `${lastMonth}-01`,
    ends_on: lastDayOf(lastMonth),
  });
  const r = await admin.ok('POST', '/api/v1/readings', {
    items: points.map((p) => ({
      key: `setup-${p.id}-prev`, supply_point_id: p.id,
      read_on: `${lastMonth}-15`, index: p.prev,
    })),
  });
  for (const x of r.results) assert.ok(['accepted', 'flagged'].includes(x.outcome), JSON.stringify(x));
  await admin.ok('POST', `/api/v1/reading-periods/${old.id}/close`, { force: true });
  await admin.ok('POST', '/api/v1/reading-periods', {
    route: 'R01', month: MONTH, starts_on: `${MONTH}-01`, ends_on: lastDayOf(MONTH),
  });
}

let admin, readerPassword;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pl-field-'));
  data = join(dir, 'data');
  logPath = join(dir, 'serve.log');
  const log = openSync(logPath, 'a');
  server = spawn(BIN, ['serve', '--data', data, '--port', '0', '--login-rate', '100000',
                       '--web', join(SRC, 'web')],
                 { stdio: ['ignore', 'ignore', log] });
  base = `http://127.0.0.1:${await waitListening()}`;
  cli('tenant', 'create', '--data', data, '--code', TENANT, '--name', '検針テストガス');
  const adminPassword = makeUser('field-admin', 'admin');
  readerPassword = makeUser('field-reader', 'reader');
  admin = new Client();
  await admin.enroll('field-admin', adminPassword);
  await setUp(admin);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
           '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const gone = new Promise((r) => server.on('exit', r));
    server.kill('SIGTERM');
    await gone;
  }
  rmSync(dir, { recursive: true, force: true });
});

const card = (page, p) => page.locator(`#p-${p.id}`);

// Enter an index on a point's card and press 記録.
async function record(page, p, index) {
  await card(page, p).locator('input.index').fill(index);
  await card(page, p).locator('button.record').click();
}

test('a reader records readings offline and they sync when back online', async () => {
  const context = await browser.newContext({
    viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true,
    locale: 'ja-JP', timezoneId: 'Asia/Tokyo',
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    // expected: the 401 of GET /api/v1/auth/me before sign-in, and the
    // requests refused by the emulated offline network
    if (m.type() === 'error' &&
        !/status of 401|ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(m.text())) {
      problems.push(m.text());
    }
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${base}/field/index.html`);

  // first sign-in: password, authenticator set-up, recovery codes
  await page.getByLabel('事業者コード').fill(TENANT);
  await page.getByLabel('ログイン ID').fill('field-reader');
  await page.getByLabel('パスワード').fill(readerPassword);
  await page.getByRole('button', { name: '次へ' }).click();
  const secret = (await page.locator('#enroll-secret').textContent()).replace(/\s/g, '');
  await page.getByLabel('表示された 6 桁のコード').fill(totp(secret));
  await page.getByRole('button', { name: '設定してサインイン' }).click();
  await page.locator('.codes li').first().waitFor();
  const recovery = await page.locator('.codes li').allTextContents();
  assert.equal(recovery.length, 10);
  await page.getByRole('button', { name: '控えました' }).click();

  // today's route, then its sheet in route order with what the reader needs
  await page.locator('button.route', { hasText: 'R01' }).click();
  await page.locator('.point').first().waitFor();
  const orders = await page.locator('.point .order').allTextContents();
  assert.deepEqual(orders, ['10', '20', '30']);
  const [p1, p2, p3] = points;
  assert.match(await card(page, p1).textContent(), /鈴木一郎 様/);
  assert.match(await card(page, p1).textContent(), /FT-0001/);
  assert.match(await card(page, p1).textContent(), /1234\.5/);
  assert.equal(await card(page, p2).locator('.notes').textContent(), '犬注意（裏口から）');
  assert.match(await page.locator('#progress').textContent(), /済 0.*残 3.*全 3/);
  assert.equal(await page.locator('#net').textContent(), 'オンライン');

  // the service worker must control the page before the network goes
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

  await context.setOffline(true);
  await page.locator('#net', { hasText: 'オフライン' }).waitFor();
  await record(page, p1, '1250.3');           // 15.8 m³
  // usage is shown at once, computed on the handheld
  await card(page, p1).locator('.state.queued', { hasText: '使用量 15.8 m³' }).waitFor();
  await record(page, p2, '502.3');            // zero usage on an active contract
  await page.locator('#queue', { hasText: '未送信 2 件' }).waitFor();
  assert.match(await page.locator('#progress').textContent(), /済 2.*残 1/);
  // the next unread point is the one brought into view
  assert.equal(await page.locator('.point.next').getAttribute('id'), `p-${p3.id}`);

  // a reload without network: page, sheet and queue come back
  await page.reload();
  await card(page, p1).locator('.state.queued').first().waitFor();
  await page.locator('#queue', { hasText: '未送信 2 件' }).waitFor();
  assert.equal(await page.locator('#net').textContent(), 'オフライン');
  assert.match(await card(page, p2).textContent(), /今回 502\.3/);

  // back online: the queue is sent and the answers land on the cards
  await context.setOffline(false);
  await page.locator('#queue', { hasText: '送信済み' }).waitFor();
  await card(page, p1).locator('.state.done', { hasText: '送信済み' }).waitFor();
  await card(page, p2).locator('.chip.review[data-flag="zero"]', { hasText: '使用量ゼロ' }).waitFor();
  assert.match(await card(page, p2).textContent(), /要確認/);

  // the server has both, once each
  const sheet = await admin.ok('GET', `/api/v1/reading-routes/R01/sheet?month=${MONTH}`);
  const byId = new Map(sheet.points.map((x) => [x.supply_point_id, x]));
  assert.equal(byId.get(p1.id).reading?.index, '1250.3');
  assert.equal(byId.get(p1.id).reading?.usage_m3, '15.8');
  assert.equal(byId.get(p2.id).reading?.index, '502.3');
  assert.ok(byId.get(p2.id).reading?.flags.includes('zero'));
  assert.equal(byId.get(p3.id).reading, null);

  // an impossible index (below the previous one on a 4-digit meter): the
  // page asks once, then the server's refusal stays on the card
  await record(page, p3, '100.0');
  await card(page, p3).locator('.hint.live', { hasText: '前回指針より小さい値' }).waitFor();
  await card(page, p3).locator('button.record').click();
  await card(page, p3).locator('.state.error[role="alert"]').waitFor();
  assert.equal(await card(page, p3).getAttribute('data-state'), 'error');
  await page.locator('#queue', { hasText: '送信済み' }).waitFor();

  // the session ends while the reader is offline with a reading queued:
  // back online, sign-in is asked for and the queue survives it
  await context.setOffline(true);
  await page.locator('#net', { hasText: 'オフライン' }).waitFor();
  await record(page, p3, '225.0');
  await page.locator('#queue', { hasText: '未送信 1 件' }).waitFor();
  const users = await admin.ok('GET', '/api/v1/users');
  const reader = users.users.find((u) => u.login_id === 'field-reader');
  await admin.ok('POST', `/api/v1/users/${reader.id}/revoke-sessions`);
  await context.setOffline(false);
  await page.locator('.hint.notice', { hasText: 'セッションが切れました' }).waitFor();
  assert.equal(await page.locator('#queue').textContent(), '未送信 1 件');
  assert.equal(await page.getByLabel('ログイン ID').inputValue(), 'field-reader');
  await page.getByLabel('パスワード').fill(readerPassword);
  await page.getByRole('button', { name: '次へ' }).click();
  await page.getByRole('button', { name: '回復コードを使う' }).click();
  await page.getByLabel('回復コード').fill(recovery[0]);
  await page.getByRole('button', { name: 'サインイン' }).click();
  await page.locator('#queue', { hasText: '送信済み' }).waitFor();
  await card(page, p3).locator('.state.done', { hasText: '使用量 15.0 m³' }).waitFor();
  const after = await admin.ok('GET', `/api/v1/reading-routes/R01/sheet?month=${MONTH}`);
  assert.equal(after.points.find((x) => x.supply_point_id === p3.id).reading?.index, '225.0');

  // phone width: nothing sticks out sideways
  assert.ok(await page.evaluate(() =>
    document.documentElement.scrollWidth <= window.innerWidth));
  assert.deepEqual(problems, []);
  await context.close();
});
