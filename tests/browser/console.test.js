// console.test.js — the console's shell and sign-in in real headless
// Chromium (Debian's package) against a real `pilotlight serve` over a
// seeded retailer (console-harness.js):
//
//  * the sign-in page loads under the strict CSP without errors and shows
//    the service status in Japanese; the language switch goes to English
//    and is remembered; a script error is reported to the server log;
//  * a first sign-in sets up the authenticator (QR code, the key, then the
//    ten recovery codes, which must be confirmed as saved), lands on the
//    home page; sign-out, then a normal sign-in with the one-time code;
//  * refusals say what to do: a wrong password, then the account's
//    back-off (423 auth.locked with Retry-After) counting down on the button;
//  * a meter reader (role reader) sees no billing or payments menu, panel,
//    tab or button, and a billing URL typed by hand is refused on screen;
//  * every message key the console's code names exists in Japanese, and
//    the English catalogue has the same keys;
//  * home shows today's work from the API, and no alarms region (no alarm
//    API yet: the region appears only when a panel is registered for it);
//    the display setting 和暦 writes dates as 令和8年4月1日.
//
// Each journey ends with a screenshot under browser-out/console/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SRC, Server, TENANT, signIn, totp } from './console-harness.js';

const srv = new Server();

before(async () => { await srv.start('console'); });
after(async () => { await srv.stop(); });

test('the sign-in page shows the service status, in Japanese, without errors', async () => {
  const t = await srv.open('/');
  await t.page.locator('#service-state.ok').waitFor();
  assert.equal(await t.page.locator('#service-state').textContent(), '正常に稼働しています');
  assert.equal(await t.page.locator('html').getAttribute('lang'), 'ja');
  assert.match(await t.page.locator('.signin-foot').textContent(), /業務日付 \d{4}年\d{1,2}月\d{1,2}日/);
  assert.equal(await t.page.locator('h2').textContent(), 'サインイン');
  // the first field without a value has the focus
  assert.equal(await t.page.evaluate(() => document.activeElement?.name), 'tenant');
  await t.end('signin');
});

test('language switch goes to English and is remembered', async () => {
  const t = await srv.open('/');
  await t.page.locator('#lang').click();
  await t.page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await t.page.locator('html').getAttribute('lang'), 'en');
  await t.page.reload();
  await t.page.locator('#service-state.ok').waitFor();
  assert.equal(await t.page.locator('#service-state').textContent(), 'All systems operational');
  assert.equal(await t.page.getByLabel('Retailer code').count(), 1);
  await t.page.locator('#lang').click(); // back to Japanese
  assert.equal(await t.page.locator('#lang').textContent(), 'English');
  await t.end('signin-english');
});

test('a script error in the console is reported to the server log', async () => {
  const t = await srv.open('/');
  await t.page.locator('#service-state').waitFor();
  await t.page.evaluate(() => { setTimeout(() => { throw new Error('browser-test-marker'); }, 0); });
  let found = false;
  for (let i = 0; i < 100 && !found; i++) {
    found = readFileSync(srv.logPath, 'utf8').includes('browser-test-marker');
    if (!found) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(found, 'client.error with the marker in the server log');
  await t.context.close();
});

test('first sign-in: authenticator set-up and recovery codes, then sign-out and sign-in', async () => {
  const u = srv.user('office-first', 'office', '事務 花子');
  const t = await srv.open('/');
  const { page } = t;
  await page.getByLabel('事業者コード').fill(TENANT);
  await page.getByLabel('ログインID').fill(u.login);
  await page.getByLabel('パスワード').fill(u.password);
  await page.getByRole('button', { name: '次へ' }).click();

  // the QR code (the API's SVG) and the key to type by hand
  await page.getByRole('heading', { name: '認証アプリの設定（初回のみ）' }).waitFor();
  assert.match(await page.locator('img.qr').getAttribute('src'), /^data:image\/svg\+xml/);
  assert.equal(await page.locator('img.qr').evaluate((img) => img.complete && img.naturalWidth > 0), true);
  const secret = (await page.locator('#enroll-secret').textContent()).replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  // a wrong code is refused at the form, in Japanese
  t.expectHttp(401);
  await page.getByLabel('表示された 6 桁のコード').fill('000000');
  await page.getByRole('button', { name: '設定してサインイン' }).click();
  await page.locator('.form-msg.error', { hasText: 'ワンタイムコードが正しくありません' }).waitFor();
  await page.getByLabel('表示された 6 桁のコード').fill(totp(secret));
  await page.getByRole('button', { name: '設定してサインイン' }).click();

  // ten recovery codes, shown once; going on needs "saved"
  await page.locator('.codes li').first().waitFor();
  const codes = await page.locator('.codes li').allTextContents();
  assert.equal(codes.length, 10);
  for (const c of codes) assert.match(c, /^[a-z2-9]{5}-[a-z2-9]{5}$/);
  const go = page.getByRole('button', { name: '始める' });
  assert.equal(await go.isDisabled(), true);
  await t.shot('recovery-codes');
  await page.getByLabel('回復コードを控えました').check();
  await go.click();

  // home, with the user and the retailer in the top bar
  await page.getByRole('heading', { name: 'ホーム' }).waitFor();
  assert.match(await page.locator('.topbar').textContent(), /事務 花子/);
  assert.match(await page.locator('.topbar .tenant').textContent(), /\S/);

  // sign out, then the daily sign-in: password and one-time code
  await page.getByRole('button', { name: 'サインアウト' }).click();
  await page.locator('#signin-notice', { hasText: 'サインアウトしました' }).waitFor();
  assert.equal(await page.getByLabel('ログインID').inputValue(), u.login); // remembered
  await signIn(page, { ...u, secret }, { ahead: 1 });
  await page.getByRole('heading', { name: 'ホーム' }).waitFor();
  await page.locator('#panel-readings .panel-body :is(p, ul)').first().waitFor();
  await t.end('home-after-sign-in');
});

test('sign-in refusals say what to do (wrong password, then the back-off)', async () => {
  const t = await srv.open('/');
  const { page } = t;
  t.expectHttp(401, 423);
  await page.getByLabel('事業者コード').fill(TENANT);
  await page.getByLabel('ログインID').fill('nobody-here');
  const next = page.getByRole('button', { name: '次へ' });
  let locked = false;
  for (let i = 0; i < 8 && !locked; i++) {
    await page.getByLabel('パスワード').fill(`wrong-password-${i}`);
    await next.click();
    const msg = page.locator('.form-msg.error');
    await msg.waitFor();
    await page.waitForFunction(() => !document.querySelector('.signin-card button[aria-busy]'));
    const text = await msg.textContent();
    locked = /少し待つ必要があります|一時的にロック/.test(text);
    if (!locked) assert.match(text, /事業者コード、ログインID、またはパスワードが正しくありません。入力し直してください。/);
  }
  assert.ok(locked, 'the back-off is explained');
  // it says how long to wait (the API's Retry-After), or whom to ask
  assert.match(await page.locator('.form-msg.error').textContent(),
               /\d+ 秒後にもう一度お試しください|管理者に「ロックの解除」/);
  await t.end('signin-locked');
});

test('a meter reader sees no billing menus, panels, tabs or buttons', async () => {
  const u = await srv.enrolledUser('reader-1', 'reader', '検針 一郎');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, u);
  await page.getByRole('heading', { name: 'ホーム' }).waitFor();
  const nav = await page.locator('#nav').textContent();
  assert.match(nav, /ホーム/);
  assert.match(nav, /顧客/);
  assert.match(nav, /検針（現場）ページ/);
  assert.doesNotMatch(nav, /請求|入金|督促/);
  await page.locator('#panel-readings').waitFor();
  assert.equal(await page.locator('#panel-billing, #panel-overdue, #panel-review, #panel-approvals').count(), 0);
  // no alarms region until an alarm panel is registered
  assert.equal(await page.locator('[data-region="alarms"]').count(), 0);
  await page.locator('#panel-readings .panel-body :is(p, ul)').first().waitFor();

  // the customer page: no 請求・入金 tab, no edit, no export or import
  await page.getByRole('link', { name: '顧客' }).click();
  await page.locator('#customer-results [role="option"]').first().waitFor();
  assert.equal(await page.locator('#export-open').count(), 0);
  assert.equal(await page.getByRole('link', { name: /取込/ }).count(), 0);
  await page.locator('#customer-q').press('ArrowDown');
  await page.locator('#customer-q').press('Enter');
  await page.locator('[role="tablist"]').waitFor();
  const tabs = await page.locator('[role="tab"]').allTextContents();
  assert.deepEqual(tabs, ['基本情報', '供給地点・契約', 'メーター・容器', '機器', '検針履歴', '履歴']);
  assert.equal(await page.locator('#customer-edit').count(), 0);

  // a billing address typed by hand: refused on screen, the page not loaded
  await page.goto(`${srv.base}/#/billing/runs`);
  await page.getByRole('heading', { name: 'この画面を表示する権限がありません' }).waitFor();
  await page.goto(`${srv.base}/#/`);
  await page.locator('#panel-readings .panel-body :is(p, ul)').first().waitFor();
  await t.end('reader-home');
});

test('an office user sees the billing menus and the day’s work on home', async () => {
  const u = await srv.enrolledUser('office-2', 'office', '事務 次郎');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, u);
  const nav = await page.locator('#nav').textContent();
  assert.match(nav, /請求締め/);
  assert.match(nav, /入金・督促/);
  for (const id of ['readings', 'review', 'billing', 'overdue', 'notices']) {
    await page.locator(`#panel-${id} .panel-body :is(p, ul, dl)`).first().waitFor();
  }
  // approvals are decided by administrators: not on an office user's home
  assert.equal(await page.locator('#panel-approvals').count(), 0);
  // the seeded retailer has overdue accounts: the count links to the list
  assert.match(await page.locator('#panel-overdue').textContent(), /人のお客さまに支払期限を過ぎた請求があります/);
  await page.getByRole('link', { name: '督促対象の一覧へ' }).click();
  await page.getByRole('heading', { name: '入金・督促' }).waitFor();
  await page.locator('table.grid tbody tr').first().waitFor();
  await page.goBack();
  await page.getByRole('heading', { name: 'ホーム' }).waitFor();
  await page.locator('#panel-billing .mini-list li').first().waitFor();

  // 表示設定: dates in the Japanese era (和暦), kept in this browser
  await page.getByRole('link', { name: '表示設定' }).click();
  await page.getByLabel(/^和暦/).check();
  await page.getByRole('link', { name: 'ホーム' }).click();
  await page.locator('.page-head .sub', { hasText: /今日は 令和\d+年\d+月\d+日 です/ }).waitFor();
  await page.locator('#panel-billing .mini-list li', { hasText: /令和\d+年\d+月分/ }).first().waitFor();
  await t.end('office-home-wareki');
});

test('every message key used exists, in Japanese and in English', async () => {
  const web = resolve(SRC, 'web/js');
  // as ES modules whatever node makes of a .js file outside a package: the
  // catalogues (each imports its areas' files) copied beside a package.json
  const dir = mkdtempSync(join(tmpdir(), 'pl-messages-'));
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
  for (const f of readdirSync(join(web, 'messages'))) {
    if (f.endsWith('.js')) copyFileSync(join(web, 'messages', f), join(dir, f));
  }
  const load = async (lang) => (await import(pathToFileURL(join(dir, `${lang}.js`)).href)).default;
  const [ja, en] = [await load('ja'), await load('en')];
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(Object.keys(en).sort(), Object.keys(ja).sort());
  const files = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory()
    ? files(join(d, f)) : f.endsWith('.js') ? [join(d, f)] : []));
  const missing = [];
  for (const f of files(web)) {
    const text = readFileSync(f, 'utf8');
    // t('key'), and the keys menus, panels and tabs name (label/title/section: 'x.y')
    for (const m of text.matchAll(/\bt\('([a-zA-Z0-9_.]+)'|(?:label|title|section): '([a-z]+\.[a-zA-Z0-9_.]+)'/g)) {
      const key = m[1] || m[2];
      if (!(key in ja)) missing.push(`${f}: ${key}`);
    }
  }
  assert.deepEqual(missing, []);
});
