// console-customers.test.js — the customer screens of the console in real
// headless Chromium against a real `pilotlight serve` over a seeded
// retailer (console-harness.js). Journeys:
//
//  * find a customer by half-width kana (ﾀｶｷﾞ finds タカギ) and by phone
//    number typed without hyphens, with the keyboard; back returns to the
//    same search (the query is in the URL); a very long name is cut with
//    an ellipsis and shown whole in its tooltip;
//  * open the customer page and see the 24-month usage chart (SVG) and the
//    readings table; the invoices with their PDF statements;
//  * edit a customer: the API's validation error appears at the field, in
//    Japanese, then the corrected form saves;
//  * a stale edit (someone saved first) shows the conflict message, loads
//    the latest version keeping the user's change, and saves;
//  * the session ends mid-edit: sign-in comes back, and after signing in
//    (with a recovery code) the same form returns with what was typed;
//  * a move (入居者の交代): the newcomer found by half-width kana moves in
//    with a contract paid by transfer;
//  * import: a CSV with an error shows the dry-run table with the line,
//    the corrected file imports; an Excel workbook is read too (the
//    ledger's own XLSX export, whose numbers are all taken);
//  * export with bank accounts asks for the one-time code first.
//
// Each journey ends with a screenshot under browser-out/console-customers/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, halfKana, signIn, totp } from './console-harness.js';

const srv = new Server();
let admin;            // an enrolled admin with an API client
const made = {};      // customers made for the journeys, by key

async function customer(key, fields) {
  made[key] = await admin.client.ok('POST', '/api/v1/customers', { kind: 'household', ...fields });
  return made[key];
}

before(async () => {
  // a one-time code counts as fresh for 2 s only, so the export journey
  // meets the step-up prompt without waiting five minutes
  await srv.start('console-customers', ['--step-up', '2']);
  admin = await srv.enrolledUser('admin-c', 'admin', '管理 太郎');
  await customer('long', {
    number: 'T-9001', kind: 'business', phone1: '0977-21-4567',
    name: '株式会社ながれぼしエルピーガス販売西日本統括本部ならびに関連事業所営業第二課御中',
    kana: 'ナガレボシエルピーガスハンバイニシニホントウカツホンブナラビニカンレンジギョウショ',
  });
  await customer('edit', { number: 'T-9002', name: '田中太郎', kana: 'タナカ タロウ' });
  await customer('stale', { number: 'T-9003', name: '佐藤花子', kana: 'サトウ ハナコ', phone1: '0977-11-1111' });
  await customer('expiry', { number: 'T-9004', name: '鈴木一郎', kana: 'スズキ イチロウ' });
});

after(async () => { await srv.stop(); });

async function office(login) {
  const u = await srv.enrolledUser(login, 'office', `事務 ${login}`);
  const t = await srv.open('/');
  await signIn(t.page, u);
  return { u, t, page: t.page };
}

test('find a customer by half-width kana and by phone, with the keyboard', async () => {
  const first = await admin.client.ok('GET', '/api/v1/customers/1');
  const family = first.kana.split(/[ 　]/)[0];
  const { t, page } = await office('office-search');
  await page.getByRole('link', { name: '顧客' }).click();
  const box = page.locator('#customer-q');
  await box.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'customer-q');

  // half-width kana, as typed on an old keyboard setting
  await box.fill(halfKana(family));
  const hit = page.locator(`#cust-${first.id}`);
  await hit.locator('.chip.matched', { hasText: 'フリガナで一致' }).waitFor();
  assert.match(page.url(), /#\/customers\?q=/);

  // the phone number without hyphens; ↓ then Enter opens it
  const digits = first.phone1.replace(/\D/g, '');
  await box.fill(digits);
  await hit.locator('.chip.matched', { hasText: '電話番号で一致' }).waitFor();
  await box.press('ArrowDown');
  assert.equal(await box.getAttribute('aria-activedescendant'), `cust-${first.id}`);
  await box.press('Enter');
  await page.locator('#customer-name').waitFor();
  assert.equal(await page.locator('#customer-name').textContent(), first.name);
  assert.match(page.url(), new RegExp(`#/customers/${first.id}$`));

  // back: the same search, from the URL
  await page.goBack();
  await page.locator(`#cust-${first.id}`).waitFor();
  assert.equal(await box.inputValue(), digits);

  // a very long name: cut with an ellipsis, whole in the tooltip
  await box.fill('ナガレボシ');
  const long = page.locator(`#cust-${made.long.id} .name-cell`);
  await long.waitFor();
  assert.equal(await long.getAttribute('title'), made.long.name);
  assert.ok(await long.evaluate((el) => el.scrollWidth > el.clientWidth), 'the name is cut, not overflowing');
  // its page: the name wraps in the heading, nothing sticks out sideways
  await page.locator(`#cust-${made.long.id} a`).click();
  await page.locator('#customer-name', { hasText: made.long.name }).waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  await t.shot('customer-long-name');
  await page.goBack();
  await page.locator(`#cust-${made.long.id}`).waitFor();
  await box.fill(halfKana(family));
  await hit.locator('.chip.matched', { hasText: 'フリガナで一致' }).waitFor();
  await t.end('search-kana');
});

test('the customer page shows the 24-month usage chart and the invoices', async () => {
  const { t, page } = await office('office-chart');
  await page.goto(`${srv.base}/#/customers/1`);
  await page.locator('#tab-basic[aria-selected="true"]').waitFor();
  // the tabs: ←/→ move between them
  await page.locator('#tab-basic').focus();
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
  await page.locator('#tab-readings[aria-selected="true"]').waitFor();
  assert.match(page.url(), /#\/customers\/1\/readings$/);
  const chart = page.locator('svg.usage-chart');
  await chart.waitFor();
  assert.equal(await chart.locator('.bar-slot').count(), 24);
  assert.ok(await chart.locator('rect.bar').count() >= 20, 'a bar for (almost) every month');
  assert.match(await chart.locator('title').first().textContent(), /使用量の推移（過去 24 か月）/);
  assert.ok(await page.locator('.tab-readings table.grid tbody tr').count() > 10);
  await t.shot('customer-readings');

  // invoices with their statements (a PDF)
  await page.locator('#tab-billing').click();
  const pdf = page.locator('.tab-billing a[href$="/statement.pdf"]').first();
  await pdf.waitFor();
  const res = await page.request.get(`${srv.base}${await pdf.getAttribute('href')}`);
  assert.equal(res.status(), 200);
  assert.equal(res.headers()['content-type'], 'application/pdf');
  await page.locator('#ar-balance').waitFor();
  await page.goBack();
  await page.locator('#tab-readings[aria-selected="true"]').waitFor();
  await chart.waitFor();
  await t.end('customer-chart');
});

test('an edit error shows at its field, then the corrected edit saves', async () => {
  const c = made.edit;
  const { t, page } = await office('office-edit');
  await page.goto(`${srv.base}/#/customers/${c.id}`);
  await page.locator('#customer-edit').click();
  await page.getByRole('heading', { name: '顧客情報の編集' }).waitFor();
  t.expectHttp(422);
  await page.getByLabel('フリガナ').fill('田中太郎'); // kanji: refused by the API
  await page.getByLabel('電話番号', { exact: true }).fill('0977-12-3456');
  await page.getByRole('button', { name: '保存する' }).click();
  const kana = page.locator('.field[data-field="kana"]');
  await kana.locator('.field-error').waitFor();
  assert.match(await kana.locator('.field-error').textContent(), /\p{Script=Han}|カタカナ|ひらがな|フリガナ/u);
  assert.equal(await page.getByLabel('フリガナ').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'kana');
  assert.match(await page.locator('.form-msg.error').textContent(), /入力内容に誤りがあります/);
  await t.shot('edit-field-error');

  await page.getByLabel('フリガナ').fill('ﾀﾅｶ ｲﾁﾛｳ');
  await page.getByRole('button', { name: '保存する' }).click();
  await page.locator('.notice.ok', { hasText: '田中太郎 さまの情報を保存しました。' }).waitFor();
  await page.locator('#customer-name').waitFor();
  assert.match(await page.locator('.customer-kana').textContent(), /タナカ イチロウ/);
  assert.match(await page.locator('.tab-basic').textContent(), /0977-12-3456/);
  await t.end('edit-saved');
});

test('a stale edit shows the conflict, loads the latest and keeps the user’s change', async () => {
  const c = made.stale;
  const { t, page } = await office('office-stale');
  await page.goto(`${srv.base}/#/customers/${c.id}/edit`);
  await page.getByLabel('氏名・名称').waitFor();
  // someone else saves the phone number meanwhile
  await admin.client.ok('PATCH', `/api/v1/customers/${c.id}`, { phone1: '0977-99-9999' }, { 'If-Match': '"1"' });
  t.expectHttp(409);
  await page.getByLabel('氏名・名称').fill('佐藤花子（旧姓 山田）');
  await page.getByRole('button', { name: '保存する' }).click();
  const msg = page.locator('.form-msg.error');
  await msg.waitFor();
  assert.match(await msg.textContent(), /他の利用者が先に更新しました/);
  assert.match(await msg.textContent(), /上書きはしていません/);
  await t.shot('edit-conflict');

  await page.getByRole('button', { name: '最新の内容を読み込む' }).click();
  await page.locator('.form-msg.info', { hasText: '最新の内容' }).waitFor();
  assert.match(await page.locator('.form-msg.info').textContent(), /ほかの人が変更した項目: 電話番号/);
  assert.equal(await page.getByLabel('電話番号', { exact: true }).inputValue(), '0977-99-9999');
  assert.equal(await page.getByLabel('氏名・名称').inputValue(), '佐藤花子（旧姓 山田）');
  await page.getByRole('button', { name: '保存する' }).click();
  await page.locator('.notice.ok', { hasText: 'の情報を保存しました' }).waitFor();
  const now = await admin.client.ok('GET', `/api/v1/customers/${c.id}`);
  assert.equal(now.name, '佐藤花子（旧姓 山田）');
  assert.equal(now.phone1, '0977-99-9999');
  assert.equal(now.version, 3);
  await t.end('edit-conflict-resolved');
});

test('the session ends mid-edit: sign-in, then the same form with what was typed', async () => {
  const c = made.expiry;
  const u = await srv.enrolledUser('office-expiry', 'office', '事務 三郎');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, u);
  await page.goto(`${srv.base}/#/customers/${c.id}/edit`);
  await page.getByLabel('備考').fill('ガス警報器の交換を希望（平日午前）');
  await page.waitForTimeout(400); // the draft is kept as it is typed
  const users = await admin.client.ok('GET', '/api/v1/users');
  const me = users.users.find((x) => x.login_id === u.login);
  await admin.client.ok('POST', `/api/v1/users/${me.id}/revoke-sessions`);

  t.expectHttp(401);
  await page.getByRole('button', { name: '保存する' }).click();
  await page.locator('#signin-notice', { hasText: 'セッションが切れました' }).waitFor();
  assert.match(page.url(), new RegExp(`#/customers/${c.id}/edit$`));
  assert.equal(await page.getByLabel('ログインID').inputValue(), u.login);
  await t.shot('session-expired');

  await signIn(page, u, { recovery: u.recovery[0] });
  await page.getByRole('heading', { name: '顧客情報の編集' }).waitFor();
  await page.locator('.draft-note', { hasText: '前回入力途中だった内容を元に戻しました' }).waitFor();
  assert.equal(await page.getByLabel('備考').inputValue(), 'ガス警報器の交換を希望（平日午前）');
  await page.locator('.notice.ok', { hasText: '元の画面に戻りました' }).waitFor();
  await page.getByRole('button', { name: '保存する' }).click();
  await page.locator('#customer-name').waitFor();
  assert.match(await page.locator('.tab-basic').textContent(), /ガス警報器の交換を希望/);
  await t.end('session-resumed');
});

test('a move: the newcomer replaces the occupant, with a new contract', async () => {
  const newcomer = await customer('newcomer', { number: 'T-9005', name: '山口 新', kana: 'ヤマグチ アラタ' });
  const occ = (await admin.client.ok('GET', '/api/v1/customers/2/supply-points')).supply_points
    .find((o) => !o.moved_out);
  const { t, page } = await office('office-move');
  await page.goto(`${srv.base}/#/customers/2/points`);
  await page.getByRole('link', { name: '入居者の交代（転居・入居）' }).click();
  await page.getByRole('heading', { name: '入居者の交代（転居・入居）' }).waitFor();
  assert.match(await page.locator('main').textContent(), /現在の入居者:/);
  await page.getByLabel('入居するお客さま').fill('ﾔﾏｸﾞﾁ ｱﾗﾀ');
  await page.locator('.pick-list .pick', { hasText: 'T-9005' }).click();
  await page.locator('.picked', { hasText: '山口 新' }).waitFor();
  // bank fields appear for 口座振替 only
  assert.equal(await page.getByLabel('口座番号（7 桁まで）').isVisible(), false);
  await page.getByLabel('支払方法').selectOption('transfer');
  await page.getByRole('button', { name: '転居・入居を登録する' }).click();
  await page.locator('.notice.ok', { hasText: '転居・入居を登録しました' }).waitFor();
  await page.locator('.point-card', { hasText: '振込' }).waitFor();
  assert.match(page.url(), new RegExp(`#/customers/${newcomer.id}/points$`));
  const now = await admin.client.ok('GET', `/api/v1/supply-points/${occ.supply_point.id}`);
  assert.equal(now.occupants.find((o) => !o.moved_out)?.customer_id, newcomer.id);
  await t.end('move-done');
});

test('import: the dry run lists errors by line, the fixed file imports; an Excel file is read', async () => {
  const { t, page } = await office('office-import');
  await page.goto(`${srv.base}/#/customers/import`);
  await page.getByRole('heading', { name: '顧客台帳の取込' }).waitFor();
  const head = '顧客番号,氏名,フリガナ,電話番号,供給地点都道府県,供給地点市区町村,供給地点番地,締め日\r\n';
  const bad = `${head}I-001,山本一郎,ﾔﾏﾓﾄ ｲﾁﾛｳ,0977-12-3456,大分県,別府市,北浜1-2-3,末\r\n` +
              'I-002,山本二郎,ﾔﾏﾓﾄ ｼﾞﾛｳ,12-34,大分県,別府市,北浜1-2-4,20\r\n';
  await page.setInputFiles('#import-file', { name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await page.getByRole('button', { name: '内容を確認する' }).click();
  await page.locator('#import-result').waitFor();
  assert.equal(await page.locator('#import-error-count').textContent(), '1');
  const row = page.locator('.import-errors tbody tr').first();
  assert.equal(await row.locator('td').first().textContent(), '3');
  assert.match(await row.textContent(), /電話番号/);
  assert.equal(await page.getByRole('button', { name: '取り込む' }).isDisabled(), true);
  await t.shot('import-dry-run-errors');

  const good = bad.replace(',12-34,', ',0977-12-3457,');
  await page.setInputFiles('#import-file', { name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
  await page.getByRole('button', { name: '内容を確認する' }).click();
  await page.locator('#import-msg.ok').waitFor();
  await page.getByRole('button', { name: '取り込む' }).click();
  await page.locator('#import-msg', { hasText: '2 件の顧客を登録しました' }).waitFor();
  const found = await admin.client.ok('GET', '/api/v1/customers?q=I-002');
  assert.equal(found.customers[0]?.kana, 'ヤマモト ジロウ');

  // an Excel workbook: the ledger's own export, so every number is taken
  const xlsx = await (await fetch(`${srv.base}/api/v1/exports/customers?format=xlsx&q=T-900`,
    { headers: { Cookie: admin.client.cookie } })).arrayBuffer();
  await page.setInputFiles('#import-file', {
    name: '顧客台帳.xlsx', buffer: Buffer.from(xlsx),
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  });
  await page.getByRole('button', { name: '内容を確認する' }).click();
  await page.locator('#import-result').waitFor();
  assert.match(await page.locator('.import-out').textContent(), /シート「顧客台帳」を読み取りました/);
  assert.equal(await page.locator('.import-errors th').first().textContent(), '行（Excel）');
  assert.equal(await page.locator('.import-errors tbody tr td').first().textContent(), '2');
  const exported = (await admin.client.ok('GET', '/api/v1/customers?q=T-900')).customers.length;
  assert.equal(await page.locator('.import-errors tbody tr').count(), exported); // one per row
  assert.match(await page.locator('.import-errors tbody').textContent(), /この顧客番号は既に台帳に登録されています/);
  await t.end('import-xlsx');
});

test('export with bank accounts asks for the one-time code, then downloads', async () => {
  const u = await srv.enrolledUser('office-export', 'office', '事務 四郎');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, u, { recovery: u.recovery[0] }); // leaves the code steps unused
  // the sign-in's code no longer counts as fresh (whole seconds: more than 2 s)
  await page.waitForTimeout(3500);
  await page.getByRole('link', { name: '顧客' }).click();
  await page.locator('#export-open').click();
  await page.getByLabel('Excel（.xlsx）').check();
  await page.getByLabel('口座情報を含める（口座番号の全桁）').check();
  t.expectHttp(403);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: '出力する' }).click();
  await page.getByRole('heading', { name: 'ワンタイムコードの再入力' }).waitFor();
  await t.shot('export-step-up');
  await page.getByLabel('ワンタイムコード（6 桁）').fill(totp(u.secret, 1));
  await page.getByRole('button', { name: '確認する' }).click();
  const file = await download;
  assert.match(file.suggestedFilename(), /^顧客台帳_口座情報付き_\d{8}\.xlsx$/);
  await page.locator('#export-result', { hasText: /を保存しました（[\d,]+ 件）/ }).waitFor();
  await t.end('export-done');
});
