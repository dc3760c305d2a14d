// console-reading.test.js — the 検針 (meter reading) screens of the
// console in real headless Chromium against a real `pilotlight serve` over
// a seeded retailer (console-harness.js). Journeys:
//
//  * an office worker opens 検針 from the menu, sees route T7 with its
//    progress (0 / 4) and opens its entry grid; then, with the keyboard
//    alone, types the four readings in route order (Enter saves and moves
//    down): a plain one is recorded; one lower than the previous index is
//    warned about while typing and refused by the server at its row, in
//    Japanese; one far above last year's usage is warned about while
//    typing and flagged 前年・前月より多い once saved; one equal to the
//    previous index is flagged 使用量ゼロ; ↑ goes back to the refused row,
//    whose corrected value is recorded. The progress reads 4 / 4 with 2 to
//    review, and the API's route sheet holds the four values.
//  * from the review list (要確認, filtered to the route, the filter in
//    the URL) the high one is corrected — an impossible correction is
//    refused at the field, then the right value saves — and the zero one
//    is confirmed; the list ends empty.
//  * the office opens a route's next month (検針月を開く); an overlapping
//    or reversed window is refused at the field, so is a reading day
//    (検針日) outside the window; the hint names the middle day the API
//    would take; the reading day given is kept and shown in the list;
//  * a meter reader (role reader) sees the 検針 menu, but neither the
//    review list nor any 請求/入金 menu, and the billing page refuses them;
//    a value typed but not saved comes back after a reload (未保存), Esc
//    puts back the saved one;
//    a different value typed for a meter already read becomes a conflict,
//    which the office then decides from the review list.
//
// Each journey ends with a screenshot under browser-out/console-reading/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, signIn } from './console-harness.js';

const srv = new Server();
const ROUTE = 'T7';
let admin;
const points = []; // { id, order, name, prev } in route order

function jstDate(d = new Date()) {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit',
  }).format(d);
}

function addMonths(month, n) {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function lastDay(month) {
  const [y, m] = month.split('-').map(Number);
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}

const MONTH = jstDate().slice(0, 7);

// Four households on route T7, each with a meter and a contract, and a
// reading history of about 10 m³ a month: the same month last year (read
// against the month before it) and the last two months; the current
// month's period is open and unread.
async function setUp() {
  const install = `${addMonths(MONTH, -14)}-01`;
  const homes = [
    { order: 10, number: 'R-701', name: '山田一郎', kana: 'ヤマダイチロウ' },
    { order: 20, number: 'R-702', name: '中村花子', kana: 'ナカムラハナコ', notes: '犬注意' },
    { order: 30, number: 'R-703', name: '小林次郎', kana: 'コバヤシジロウ' },
    { order: 40, number: 'R-704', name: '加藤三郎', kana: 'カトウサブロウ' },
  ];
  for (const [i, x] of homes.entries()) {
    const c = await admin.client.ok('POST', '/api/v1/customers', {
      number: x.number, name: x.name, kana: x.kana, kind: 'household',
    });
    const sp = await admin.client.ok('POST', '/api/v1/supply-points', {
      prefecture: '大分県', city: '別府市', street: `鉄輪${x.order}-7`,
      supply_kind: 'individual', route: ROUTE, route_order: x.order, notes: x.notes || null,
    });
    await admin.client.ok('POST', `/api/v1/supply-points/${sp.id}/move`, {
      customer_id: c.id, date: install, contract: { payment_method: 'transfer' },
    });
    const base = 1000 * (i + 1) + 100;
    await admin.client.ok('POST', `/api/v1/supply-points/${sp.id}/meters`, {
      serial: `T7-${x.order}`, kind: 'E', capacity: '2.5', install_date: install,
      initial_index: `${base - 5}.0`,
    });
    points.push({ id: sp.id, ...x, base, prev: `${base + 120}.0` });
  }
  // month offset → index above base: 10 m³ a month, 100 m³ over the ten
  // months between last year's month and two months ago
  const history = [[-13, 0], [-12, 10], [-2, 110], [-1, 120]];
  for (const [off, add] of history) {
    const month = addMonths(MONTH, off);
    const p = await admin.client.ok('POST', '/api/v1/reading-periods', {
      route: ROUTE, month, starts_on: `${month}-01`, ends_on: lastDay(month),
    });
    const r = await admin.client.ok('POST', '/api/v1/readings', {
      items: points.map((x) => ({
        key: `setup-${x.id}-${off + 20}`, supply_point_id: x.id, read_on: `${month}-15`,
        index: `${x.base + add}.0`,
      })),
    });
    for (const x of r.results) assert.ok(['accepted', 'flagged'].includes(x.outcome), JSON.stringify(x));
    await admin.client.ok('POST', `/api/v1/reading-periods/${p.id}/close`, { force: true });
  }
  await admin.client.ok('POST', '/api/v1/reading-periods', {
    route: ROUTE, month: MONTH, starts_on: `${MONTH}-01`, ends_on: lastDay(MONTH),
  });
}

before(async () => {
  await srv.start('console-reading');
  admin = await srv.enrolledUser('admin-r', 'admin', '管理 花子');
  await setUp();
});

after(async () => { await srv.stop(); });

const row = (page, p) => page.locator(`#row-${p.id}`);
const input = (page, p) => page.locator(`#idx-${p.id}`);

test('an office worker enters a route with the keyboard, sees the checks, and resolves them from the review list', async () => {
  const u = await srv.enrolledUser('office-r', 'office', '事務 検針');
  const t = await srv.open('/');
  const { page } = t;
  t.expectHttp(422); // the impossible correction in the review dialog
  await signIn(page, u);

  // 検針 from the menu: the route with its progress
  await page.locator('#nav a', { hasText: /^検針$/ }).click();
  const line = page.locator(`#route-list tr[data-route="${ROUTE}"]`);
  await line.waitFor();
  assert.match(await line.textContent(), /0 \/ 4 件/);
  assert.match(await line.textContent(), /検針中/);
  // the window in the console's date style
  const [y, m] = MONTH.split('-').map(Number);
  assert.match(await line.textContent(), new RegExp(`${y}年${m}月1日〜`));
  await t.shot('routes');
  await line.getByRole('link', { name: '入力する' }).click();
  await page.locator('#entry-grid').waitFor();
  assert.match(page.url(), new RegExp(`#/readings/routes/${ROUTE}\\?month=${MONTH}`));

  // the first unread row has the focus; previous index and last year beside it
  const [p1, p2, p3, p4] = points;
  await page.waitForFunction((id) => document.activeElement?.id === id, `idx-${p1.id}`);
  assert.match(await row(page, p1).textContent(), new RegExp(p1.prev.replace('.', '\\.')));
  assert.match(await row(page, p1).textContent(), /10\.0 m³/); // same month last year
  assert.match(await row(page, p2).textContent(), /犬注意/);

  // 1: a plain reading
  await page.keyboard.type(`${p1.base + 134}.5`);
  await row(page, p1).locator('.usage-cell', { hasText: '14.5 m³' }).waitFor();
  await page.keyboard.press('Enter');
  // 2: lower than the previous index — warned while typing
  await page.waitForFunction((id) => document.activeElement?.id === id, `idx-${p2.id}`);
  await page.keyboard.type(`${p2.base - 78}.0`);
  await row(page, p2).locator('.preview', { hasText: `前回指針（${p2.prev}）より小さい値です` }).waitFor();
  await t.shot('entry-typing');
  await page.keyboard.press('Enter');
  // 3: far above last year — warned while typing
  await page.waitForFunction((id) => document.activeElement?.id === id, `idx-${p3.id}`);
  await page.keyboard.type(`${p3.base + 220}.0`);
  await row(page, p3).locator('.preview', { hasText: '前年同月（10.0 m³）の約 10.0 倍です' }).waitFor();
  await page.keyboard.press('Enter');
  // 4: the same as the previous index
  await page.waitForFunction((id) => document.activeElement?.id === id, `idx-${p4.id}`);
  await page.keyboard.type(p4.prev);
  await row(page, p4).locator('.preview', { hasText: '使用量ゼロ' }).waitFor();
  await page.keyboard.press('Enter');

  // the server's answers, at their rows
  await row(page, p1).locator('.chip.reading-accepted', { hasText: '確定' }).waitFor();
  const refused = row(page, p2).locator('.field-error');
  await refused.waitFor();
  assert.match(await refused.textContent(), /指針が前回より小さいか/);
  assert.equal(await input(page, p2).getAttribute('aria-invalid'), 'true');
  await row(page, p3).locator('[data-flag="high"]', { hasText: '前年・前月より多い' }).waitFor();
  await row(page, p3).locator('.chip.reading-flagged', { hasText: '要確認' }).waitFor();
  await row(page, p4).locator('[data-flag="zero"]', { hasText: '使用量ゼロ' }).waitFor();

  // back up to the refused row with ↑ and put it right
  for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowUp');
  await page.waitForFunction((id) => document.activeElement?.id === id, `idx-${p2.id}`);
  await page.keyboard.type(`${p2.base + 133}.0`); // the value is selected on arrival: typing replaces it
  await page.keyboard.press('Enter');
  await row(page, p2).locator('.chip.reading-accepted').waitFor();
  assert.equal(await input(page, p2).getAttribute('aria-invalid'), null);
  await page.locator('#entry-read', { hasText: '4 / 4' }).waitFor();
  assert.equal(await page.locator('#entry-flagged').textContent(), '2');

  const sheet = await admin.client.ok('GET', `/api/v1/reading-routes/${ROUTE}/sheet?month=${MONTH}`);
  assert.deepEqual(sheet.points.map((x) => x.reading?.index),
                   [`${p1.base + 134}.5`, `${p2.base + 133}.0`, `${p3.base + 220}.0`, p4.prev]);
  assert.deepEqual(sheet.points.map((x) => x.reading?.status), ['accepted', 'accepted', 'flagged', 'flagged']);
  await t.shot('entry-grid');

  // 要確認: filtered to the route (the filter in the URL)
  await page.locator('#nav a', { hasText: '要確認の検針' }).click();
  await page.locator('#review-list table, #review-list .empty').first().waitFor();
  await page.locator('#review-route').selectOption(ROUTE);
  await page.getByRole('button', { name: '絞り込む' }).click();
  await page.waitForURL(new RegExp(`#/readings/review\\?route=${ROUTE}$`));
  await page.locator(`#rv-${sheet.points[3].reading.id}`).waitFor();
  assert.equal(await page.locator('#review-list tbody tr').count(), 2);
  await t.shot('review-list');

  // correct the high one: an impossible value is refused at the field
  const high = page.locator(`#rv-${sheet.points[2].reading.id}`);
  await high.getByRole('button', { name: '訂正' }).click();
  const dlg = page.locator('dialog[open]');
  const idx = dlg.getByLabel('正しい指針（m³）');
  await idx.fill(`${p3.base + 20}.0`);
  await dlg.getByRole('button', { name: '訂正して保存' }).click();
  const err = dlg.locator('[data-field="index"] .field-error');
  await err.waitFor();
  assert.match(await err.textContent(), /指針が前回より小さいか/);
  await t.shot('correct-refused');
  await idx.fill(`${p3.base + 134}.0`);
  await dlg.getByRole('button', { name: '訂正して保存' }).click();
  await page.locator('.notice.ok', { hasText: `指針を ${p3.base + 134}.0 に訂正しました` }).waitFor();
  await high.waitFor({ state: 'detached' });

  // confirm the zero one; focus lands on what is left, the list ends empty
  const zero = page.locator(`#rv-${sheet.points[3].reading.id}`);
  await zero.getByRole('button', { name: 'このまま確定' }).click();
  await page.locator('.notice.ok', { hasText: `${p4.name} の検針を確定しました` }).waitFor();
  await page.locator('#review-list .empty', { hasText: 'この条件に当てはまる要確認の検針はありません' }).waitFor();
  assert.match(await page.locator('#review-count').textContent(), /要確認 0 件/);

  const after = await admin.client.ok('GET', `/api/v1/reading-routes/${ROUTE}/sheet?month=${MONTH}`);
  assert.deepEqual(after.points.map((x) => x.reading.status), ['accepted', 'accepted', 'accepted', 'confirmed']);
  assert.equal(after.points[2].reading.index, `${p3.base + 134}.0`);
  await t.end('review-resolved');
});

test('the office opens a route\'s next reading month, the API\'s refusal shown at the field', async () => {
  const u = await srv.enrolledUser('office-p', 'office', '事務 開始');
  const t = await srv.open('/');
  const { page } = t;
  t.expectHttp(422, 409); // a window in the wrong order; one overlapping this month's
  await signIn(page, u);
  const next = addMonths(MONTH, 1);
  await page.goto(`${srv.base}/#/readings?month=${next}`);
  const line = page.locator(`#route-list tr[data-route="${ROUTE}"]`);
  await line.waitFor();
  assert.match(await line.textContent(), /未開始/);
  assert.equal(await page.locator('#reading-month').inputValue(), next);
  await line.getByRole('button', { name: '検針月を開く' }).click();
  const dlg = page.locator('dialog[open]');
  // overlapping the open month: refused, said at the first day's field
  await dlg.getByLabel('検針期間の初日').fill(lastDay(MONTH));
  await dlg.getByRole('button', { name: '検針月を開く' }).click();
  const err = dlg.locator('[data-field="starts_on"] .field-error');
  await err.waitFor();
  assert.match(await err.textContent(), /期間の重なる検針月/);
  // a window in the wrong order: the API's field error, in Japanese
  await dlg.getByLabel('検針期間の初日').fill(`${next}-20`);
  await dlg.getByLabel('検針期間の最終日').fill(`${next}-05`);
  await dlg.getByRole('button', { name: '検針月を開く' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('dialog[open] .field-error')]
    .some((e) => /[ぁ-んァ-ン一-龥]/.test(e.textContent) && !/重なる/.test(e.textContent)));
  await dlg.getByLabel('検針期間の初日').fill(`${next}-01`);
  await dlg.getByLabel('検針期間の最終日').fill(`${next}-21`);
  // the reading day: left empty it is the window's middle, said in the hint
  const [ny, nm] = next.split('-').map(Number);
  const dayField = dlg.locator('[data-field="reading_on"]');
  assert.match(await dayField.locator('.hint').textContent(), new RegExp(`空欄なら期間の真ん中の ${ny}年${nm}月11日 です`));
  // a day after the window: the API refuses it, at that field, in Japanese
  await dlg.getByLabel('検針日').fill(`${next}-25`);
  await dlg.getByRole('button', { name: '検針月を開く' }).click();
  const dayErr = dayField.locator('.field-error');
  await dayErr.waitFor();
  assert.equal(await dayErr.textContent(), '検針日は検針期間の中の日にしてください');
  assert.equal(await dlg.getByLabel('検針日').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'reading_on', 'focus at the refused field');
  await t.shot('open-period-refused-day');
  const none = await admin.client.ok('GET', `/api/v1/reading-periods?route=${ROUTE}&month=${next}`);
  assert.equal(none.periods.length, 0, 'nothing opened');
  await dlg.getByLabel('検針期間の最終日').fill(lastDay(next));
  assert.match(await dayField.locator('.hint').textContent(), new RegExp(`${ny}年${nm}月(15|16)日`));
  await dlg.getByLabel('検針日').fill(`${next}-10`);
  await dlg.getByRole('button', { name: '検針月を開く' }).click();
  await dlg.waitFor({ state: 'detached' });
  await page.locator('.notice.ok', { hasText: `${ROUTE} の` }).waitFor();
  assert.match(await page.locator('.notice.ok').last().textContent(), new RegExp(`を開きました（検針日 ${ny}年${nm}月10日）`));
  const opened = page.locator(`#route-list tr[data-route="${ROUTE}"]`, { hasText: '検針中' });
  await opened.waitFor();
  assert.match(await opened.textContent(), new RegExp(`検針日 ${ny}年${nm}月10日`));
  const periods = await admin.client.ok('GET', `/api/v1/reading-periods?route=${ROUTE}&month=${next}`);
  assert.equal(periods.periods.length, 1);
  assert.equal(periods.periods[0].starts_on, `${next}-01`);
  assert.equal(periods.periods[0].reading_on, `${next}-10`);
  await t.end('open-period');
});

test('a meter reader sees the 検針 menu but no billing or payment menus', async () => {
  const u = await srv.enrolledUser('reader-r', 'reader', '検針 太郎');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, u);
  const nav = page.locator('#nav');
  await nav.locator('a', { hasText: /^検針$/ }).waitFor();
  const labels = await nav.locator('a').allTextContents();
  assert.ok(labels.includes('検針'), labels.join(','));
  assert.ok(!labels.some((l) => /請求|入金|督促/.test(l)), `no billing/payment menus: ${labels.join(',')}`);
  assert.ok(!labels.includes('要確認の検針'), 'the review list is the office’s');

  // the route list and the grid are theirs (to enter), the billing page is not
  await nav.locator('a', { hasText: /^検針$/ }).click();
  await page.locator(`#route-list tr[data-route="${ROUTE}"]`).waitFor();
  assert.equal(await page.locator('#route-list').getByRole('link', { name: '要確認' }).count(), 0);
  await page.goto(`${srv.base}/#/billing/runs`);
  await page.getByRole('heading', { name: 'この画面を表示する権限がありません' }).waitFor();
  await page.goto(`${srv.base}/#/readings/routes/${ROUTE}?month=${MONTH}`);
  // a value typed but not saved outlives a reload (a draft), marked
  // 未保存; Esc puts back the saved value
  const p1 = points[0];
  await page.waitForFunction((id) => document.activeElement?.id === id, `idx-${p1.id}`);
  await page.keyboard.type('9');
  await row(page, p1).locator('.chip.unsaved').waitFor();
  await page.reload();
  await row(page, p1).locator('.chip.unsaved').waitFor();
  assert.equal(await input(page, p1).inputValue(), '9');
  await page.locator('.notice', { hasText: '保存されていなかった入力 1 件を元に戻しました' }).waitFor();
  await page.waitForFunction((id) => document.activeElement?.id === id, `idx-${p1.id}`);
  await page.keyboard.press('Escape');
  assert.equal(await input(page, p1).inputValue(), `${p1.base + 134}.5`);
  await row(page, p1).locator('.chip.reading-accepted').waitFor();
  await page.reload();
  await input(page, p1).waitFor();
  assert.equal(await input(page, p1).inputValue(), `${p1.base + 134}.5`);

  // a different value for a meter already read: a conflict for the office,
  // never an overwrite
  await page.waitForFunction((id) => document.activeElement?.id === id, `idx-${p1.id}`);
  await page.keyboard.type(`${p1.base + 136}.0`);
  await page.keyboard.press('Enter');
  await row(page, p1).locator('.conflict-note', { hasText: `別の値（${p1.base + 134}.5）が記録済みです` }).waitFor();
  await t.end('reader-menu');
});

test('the office decides a conflicting value from the review list', async () => {
  const u = await srv.enrolledUser('office-k', 'office', '事務 判断');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, u);
  await page.goto(`${srv.base}/#/readings/review`);
  const p1 = points[0];
  const k = page.locator('#review-conflicts tbody tr');
  await k.first().waitFor();
  assert.equal(await k.count(), 1);
  assert.match(await k.textContent(), new RegExp(`${p1.base + 134}\\.5.*${p1.base + 136}\\.0`));
  assert.match(await k.textContent(), /現場/); // sent from the field
  await k.getByRole('button', { name: '送られた値を採る' }).click();
  await page.locator('.notice.ok', { hasText: `送られた値 ${p1.base + 136}.0 を採りました` }).waitFor();
  await page.locator('#review-conflicts tbody tr').waitFor({ state: 'detached' });
  const sheet = await admin.client.ok('GET', `/api/v1/reading-routes/${ROUTE}/sheet?month=${MONTH}`);
  assert.equal(sheet.points[0].reading.index, `${p1.base + 136}.0`);
  // the same screens in English
  await page.locator('#lang').click();
  await page.getByRole('heading', { name: 'Readings to review' }).waitFor();
  await page.locator('#nav a', { hasText: /^Meter reading$/ }).click();
  await page.locator(`#route-list tr[data-route="${ROUTE}"]`, { hasText: 'Open' }).waitFor();
  await page.locator(`#route-list tr[data-route="${ROUTE}"] a.route-link`).click();
  await page.getByRole('heading', { name: `Enter readings: ${ROUTE} (` }).waitFor();
  await page.locator(`#row-${p1.id}`, { hasText: 'accepted' }).waitFor();
  await t.shot('entry-en');
  await page.goBack();
  await page.locator('#lang').click();
  await page.getByRole('heading', { name: '検針' }).waitFor();
  await t.end('conflict-decided');
});
