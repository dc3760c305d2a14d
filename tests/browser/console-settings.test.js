// console-settings.test.js — the 設定 screens and the platform console in
// real headless Chromium against a real `pilotlight serve` over a seeded
// retailer (console-harness.js). Journeys:
//
//  * an admin adds a user: the one-time code is asked for first (step-up),
//    a too-short password is refused at the password field in Japanese, the
//    corrected form adds the user; then issues an API token, shown once in
//    a dialog (and the token works against the API); then searches the
//    audit log by action — filters in the URL — and finds both actions;
//  * a meter reader's 設定 has only their own password and second factor,
//    and the admin screens are refused;
//  * a platform operator signs in to the platform console (its own sign-in,
//    first-time enrolment with the QR key and recovery codes), sees the
//    tenant list, a status notice, and the backup shipper's state;
//  * every word the settings and platform screens use exists in Japanese
//    and English.
//
// Each journey ends with a screenshot under browser-out/console-settings/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SRC, Server, cli, signIn, totp } from './console-harness.js';

const STEP_UP_S = 15;
const srv = new Server();

// Wait for done (a locator); when the one-time code prompt comes first (a
// slow machine took longer than a code stays fresh), answer it with the
// code of the step after usedStep (the last step used), waiting for it.
async function unlessAsked(page, done, secret, usedStep) {
  const asked = page.getByRole('heading', { name: 'ワンタイムコードの再入力' });
  await done.or(asked).first().waitFor();
  if (await asked.isVisible()) {
    await page.waitForTimeout(Math.max(0, usedStep * 30000 + 500 - Date.now()));
    await page.getByLabel('ワンタイムコード（6 桁）').fill(totp(secret, 1));
    await page.getByRole('button', { name: '確認する' }).click();
  }
  await done.first().waitFor();
}

before(async () => {
  // a one-time code counts as fresh for 15 s only, so adding the user meets
  // the step-up prompt without waiting five minutes, and issuing the token
  // right after it does not
  await srv.start('console-settings', ['--step-up', String(STEP_UP_S)]);
});

after(async () => { await srv.stop(); });

test('an admin adds a user and an API token, then finds both in the audit log', async () => {
  const admin = await srv.enrolledUser('admin-s', 'admin', '管理 設定子');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, admin, { recovery: admin.recovery[0] }); // leaves the code steps unused
  const signedAt = Date.now(); // the session's code counts as fresh from before this

  // 設定 → the hub lists the admin's screens → 利用者と権限
  await page.getByRole('link', { name: '設定', exact: true }).click();
  await page.getByRole('heading', { name: '設定' }).waitFor();
  for (const s of ['account', 'users', 'company', 'tokens', 'notify', 'support', 'audit']) {
    await page.locator(`.settings-card[data-section="${s}"]`).waitFor();
  }
  await page.locator('.settings-card[data-section="users"]').click();
  await page.getByRole('heading', { name: '利用者と権限' }).waitFor();
  await page.locator('button[data-user="admin-s"]').waitFor(); // the admin in the list
  // the sign-in's code no longer counts as fresh
  await page.waitForTimeout(Math.max(0, signedAt + (STEP_UP_S + 1) * 1000 - Date.now()));

  t.expectHttp(403, 422);
  await page.locator('#user-new').click();
  const form = page.locator('#user-create');
  await form.getByLabel('ログインID').fill('kensin-2');
  await form.getByLabel('表示名').fill('検針 次郎');
  await form.getByLabel('役割').selectOption('reader');
  await form.getByLabel('初期パスワード').fill('short');
  await form.getByRole('button', { name: '追加する' }).click();
  // the step-up prompt, then the request goes again
  await page.getByRole('heading', { name: 'ワンタイムコードの再入力' }).waitFor();
  const usedStep = Math.floor(Date.now() / 30000) + 1; // the step of the code typed next
  await page.getByLabel('ワンタイムコード（6 桁）').fill(totp(admin.secret, 1));
  await page.getByRole('button', { name: '確認する' }).click();
  // the policy's refusal, at the password field, in Japanese
  const pwError = form.locator('[data-field="password"] .field-error');
  await pwError.filter({ hasText: /\S/ }).waitFor();
  assert.match(await pwError.textContent(), /[ぁ-んァ-ン一-龥]/);
  await form.getByLabel('初期パスワード').fill('毎月二十日は検針の日です');
  await form.getByRole('button', { name: '追加する' }).click();
  await page.locator('.notice.ok', { hasText: '検針 次郎' }).waitFor();
  const row = page.locator('tr', { has: page.locator('button[data-user="kensin-2"]') });
  await row.waitFor();
  assert.match(await row.textContent(), /検針員/);
  assert.match(await row.textContent(), /未設定/); // second factor at first sign-in

  // an API token: shown once, in a dialog
  await page.locator('.settings-tabs').getByRole('link', { name: 'API トークン' }).click();
  await page.getByRole('heading', { name: 'API トークン' }).waitFor();
  await page.locator('#token-new').click();
  const tf = page.locator('#token-create');
  await tf.getByLabel('用途（名前）').fill('監視連携');
  await tf.getByLabel('有効期間（日）').fill('30');
  await tf.getByLabel(/利用者の閲覧/).check();
  await tf.getByRole('button', { name: '発行する' }).click();
  await unlessAsked(page, page.getByRole('heading', { name: '新しい API トークン' }), admin.secret, usedStep);
  const token = await page.locator('#secret-once').inputValue();
  assert.match(token, /^plt_\d+_[A-Za-z0-9_-]{43}$/);
  await t.shot('token-shown-once');
  await page.getByRole('button', { name: '控えたので閉じる' }).click();
  const tokenRow = page.locator('.tokens-table tbody tr', { hasText: '監視連携' });
  await tokenRow.waitFor();
  assert.match(await tokenRow.textContent(), /有効/);
  assert.doesNotMatch(await page.locator('main').textContent(), new RegExp(token)); // never shown again
  // the token works for what it was given
  const res = await fetch(`${srv.base}/api/v1/users`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.ok((await res.json()).users.some((u) => u.login_id === 'kensin-2'));

  // the audit log: by action, the filter in the URL
  await page.locator('.settings-tabs').getByRole('link', { name: '操作履歴' }).click();
  await page.getByRole('heading', { name: '操作履歴' }).waitFor();
  await page.getByLabel('操作', { exact: true }).fill('user.create');
  await page.getByRole('button', { name: '検索する' }).click();
  await page.waitForURL(/#\/settings\/audit\?action=user\.create/);
  const created = page.locator('.audit-table tbody tr[data-action="user.create"]');
  await created.first().waitFor();
  assert.equal(await page.locator('.audit-table tbody tr').count(), await created.count()); // only that action
  assert.match(await created.first().textContent(), /利用者の追加/);
  assert.match(await created.first().textContent(), /管理 設定子/); // the actor by name

  // every token action ("token." is a prefix)
  await page.getByLabel('操作', { exact: true }).fill('token.');
  await page.getByRole('button', { name: '検索する' }).click();
  await page.waitForURL(/action=token\./);
  const made = page.locator('.audit-table tbody tr[data-action="token.create"]');
  await made.waitFor();
  assert.match(await made.textContent(), /監視連携/);
  // back returns to the previous search
  await page.goBack();
  await page.locator('.audit-table tbody tr[data-action="user.create"]').first().waitFor();
  assert.equal(await page.getByLabel('操作', { exact: true }).inputValue(), 'user.create');
  await t.end('audit-search');
});

test('a meter reader has only their own password and second factor', async () => {
  const reader = await srv.enrolledUser('reader-s', 'reader', '検針 三郎');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, reader);
  await page.getByRole('link', { name: '設定', exact: true }).click();
  await page.getByRole('heading', { name: '設定' }).waitFor();
  assert.deepEqual(await page.locator('.settings-card').evaluateAll((els) => els.map((e) => e.dataset.section)),
                   ['account']);
  await page.locator('.settings-card[data-section="account"]').click();
  await page.getByRole('heading', { name: 'パスワードと二段階認証' }).waitFor();
  assert.match(await page.locator('main').textContent(), /設定済み/);
  assert.doesNotMatch(await page.locator('main').textContent(), /null|undefined/);

  // a wrong current password is said at that field
  t.expectHttp(401);
  await page.getByLabel('今のパスワード').fill('not-my-password-at-all');
  await page.locator('[data-field="new_password"] input').fill('検針車は朝七時に出発します');
  await page.getByLabel('新しいパスワード（確認のためもう一度）').fill('検針車は朝七時に出発します');
  await page.getByRole('button', { name: 'パスワードを変更する' }).click();
  await page.locator('[data-field="current_password"] .field-error', { hasText: '今のパスワードが正しくありません' }).waitFor();
  // the right one changes it
  await page.getByLabel('今のパスワード').fill(reader.password);
  await page.getByRole('button', { name: 'パスワードを変更する' }).click();
  await page.locator('#password-changed').waitFor();
  assert.equal(await page.getByLabel('今のパスワード').inputValue(), ''); // nothing left typed

  // the admin screens are refused, even by URL
  await page.goto(`${srv.base}/#/settings/users`);
  await page.getByRole('heading', { name: 'この画面を表示する権限がありません' }).waitFor();
  await t.shot('reader-refused');
  // and in English
  await page.goto(`${srv.base}/#/settings/account`);
  await page.getByRole('heading', { name: 'パスワードと二段階認証' }).waitFor();
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { name: 'Password and two-step sign-in' }).waitFor();
  await page.getByRole('button', { name: 'Change password' }).waitFor();
  assert.doesNotMatch(await page.locator('main').textContent(), /null|undefined/);
  await t.end('reader-settings-en');
});

test('a role change waits for a second admin; company details are checked at the field; unlock', async () => {
  const admin = await srv.enrolledUser('admin-c', 'admin', '管理 会社子'); // the tenant's second admin
  const t = await srv.open('/#/settings/users');
  const { page } = t;
  const usedStep = Math.floor(Date.now() / 30000) + 1;
  await signIn(page, admin);
  await page.getByRole('heading', { name: '利用者と権限' }).waitFor();

  // dual control: the change is stored as a request another admin decides
  await page.locator('button[data-user="kensin-2"]').click();
  await page.locator('dialog').getByLabel('役割', { exact: true }).selectOption('office');
  await page.locator('#user-save').click();
  await unlessAsked(page, page.locator('.notice.info', { hasText: '別の管理者の承認待ち' }), admin.secret, usedStep);
  await page.locator('dialog').getByRole('button', { name: '閉じる', exact: true }).click();
  const request = page.locator('#approvals ~ .table-wrap tbody tr', { hasText: '検針 次郎' });
  await request.waitFor();
  assert.match(await request.textContent(), /役割の変更（事務）/);
  assert.match(await request.textContent(), /管理 会社子/);
  assert.equal(await request.getByRole('button', { name: '承認する' }).count(), 0); // not by the requester
  const [kensin] = (await admin.client.ok('GET', '/api/v1/users')).users.filter((u) => u.login_id === 'kensin-2');
  assert.equal(kensin.role, 'reader'); // unchanged until approved
  await t.shot('approval-waiting');

  await page.locator('.settings-tabs').getByRole('link', { name: '事業者情報' }).click();
  await page.getByRole('heading', { name: '事業者情報' }).waitFor();
  const f = page.locator('#billing-settings');
  await f.waitFor();
  // the registration number's form is checked as typed
  await f.getByLabel('適格請求書発行事業者の登録番号').fill('T123');
  await f.getByRole('button', { name: '保存する' }).click();
  await f.locator('[data-field="registration"] .field-error', { hasText: '「T」に続けて数字 13 桁' }).waitFor();
  // the API's refusal of the phone number lands at the phone field
  t.expectHttp(422);
  await f.getByLabel('適格請求書発行事業者の登録番号').fill('T1234567890123');
  await f.getByLabel('電話番号').fill('でんわ');
  await f.getByLabel('料金の端数処理').selectOption('half_up');
  await f.getByRole('button', { name: '保存する' }).click();
  await f.locator('[data-field="issuer_phone"] .field-error', { hasText: /\S/ }).waitFor();
  await f.getByLabel('電話番号').fill('0977-66-1234');
  await f.getByRole('button', { name: '保存する' }).click();
  await page.locator('.notice.ok', { hasText: '請求の設定を保存しました' }).waitFor();
  const saved = await admin.client.ok('GET', '/api/v1/settings/billing');
  assert.equal(saved.registration, 'T1234567890123');
  assert.equal(saved.rounding, 'half_up');
  assert.equal(saved.issuer.phone, '0977-66-1234');
  await t.shot('company');

  // the other settings screens open without errors
  await page.locator('.settings-tabs').getByRole('link', { name: '通知とセッション' }).click();
  await page.locator('#sessions-form').waitFor();
  await page.locator('.settings-tabs').getByRole('link', { name: 'サポートの受け入れ' }).click();
  await page.getByText('サポートを許可したことはありません。').waitFor();

  // unlock a user: no code needed, the result is said
  await page.locator('.settings-tabs').getByRole('link', { name: '利用者と権限' }).click();
  await page.locator('button[data-user="reader-s"]').click();
  await page.getByRole('heading', { name: '検針 三郎 さんの変更・操作' }).waitFor();
  await t.shot('user-dialog');
  await page.getByRole('button', { name: 'ロックを解除' }).click();
  await page.locator('.notice.ok', { hasText: 'ロックを解除しました' }).waitFor();
  await page.locator('dialog').getByRole('button', { name: '閉じる', exact: true }).click();
  await page.locator('dialog').waitFor({ state: 'detached' });
  await t.end('users-after-unlock');
});

test('a platform operator signs in to the platform console and sees tenants and backup state', async () => {
  const out = cli('operator', 'create', '--data', srv.data, '--login', 'ops-hanako', '--name', '運用 花子');
  const password = /initial password: (\S+)/.exec(out)[1];
  cli('status', 'post', '--data', srv.data, '--level', 'warning', '--title', '夜間メンテナンスのお知らせ',
      '--body', '11月30日 2:00〜3:00 に短時間停止します。');
  // what `pilotlight backup ship` writes after a pass
  mkdirSync(join(srv.data, 'backup', 'ship'), { recursive: true });
  writeFileSync(join(srv.data, 'backup', 'ship', 'heartbeat.json'), JSON.stringify({
    component: 'backup-ship', time: new Date(Date.now() - 4000).toISOString(), state: 'ok', stores: 2, failed: 0,
    rpo_lag_records: 3, rpo_lag_ms: 1500,
    vaults: [{ url: 'http://vault.internal:8090', rpo_lag_records: 3, rpo_lag_ms: 1500, failed: 0 }],
  }));

  const t = await srv.open('/platform/');
  const { page } = t;
  await page.getByRole('heading', { name: '運用担当者のサインイン' }).waitFor();
  assert.equal(await page.getByLabel('事業者コード').count(), 0); // no tenant here
  await page.getByLabel('ログインID').fill('ops-hanako');
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: '次へ' }).click();
  // first sign-in: enrol the authenticator
  await page.getByRole('heading', { name: '認証アプリの設定（初回のみ）' }).waitFor();
  const secret = (await page.locator('#enroll-secret').textContent()).replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await page.getByLabel('表示された 6 桁のコード').fill(totp(secret));
  await page.getByRole('button', { name: '設定してサインイン' }).click();
  await page.locator('.codes li').first().waitFor();
  assert.equal(await page.locator('.codes li').count(), 10);
  await page.getByLabel('回復コードを控えました').check();
  await page.getByRole('button', { name: '始める' }).click();

  // the tenants
  await page.getByRole('heading', { name: '事業者' }).waitFor();
  assert.match(await page.locator('.topbar').textContent(), /運用 花子/);
  const tenant = page.locator('.tenants-table tbody tr[data-code="0001"]');
  await tenant.waitFor();
  assert.match(await tenant.textContent(), /利用中/);
  assert.match(await page.locator('#tenant-count').textContent(), /全 1 事業者/);
  assert.doesNotMatch(await page.locator('main').textContent(), /null|undefined/);
  await t.shot('platform-tenants');

  // status: the notice posted on the server
  await page.locator('#nav').getByRole('link', { name: '稼働状況' }).click();
  await page.locator('#status-notices', { hasText: '夜間メンテナンスのお知らせ' }).waitFor();
  assert.match(await page.locator('#status-overall').textContent(), /一部に問題/); // a warning is open
  await t.shot('platform-status');

  // backup: the shipper's last pass
  await page.locator('#nav').getByRole('link', { name: 'バックアップ' }).click();
  const state = page.locator('#backup-state');
  await state.locator('.chip', { hasText: '正常' }).waitFor();
  assert.match(await state.textContent(), /2 件（失敗 0 件）/);
  assert.match(await page.locator('main').textContent(), /vault\.internal:8090/);
  assert.match(page.url(), /\/platform\/#\/backup$/);
  await t.end('platform-backup');
});

test('the settings and platform words exist in Japanese and English', async () => {
  const web = join(SRC, 'web');
  const load = async (f) => (await import(`data:text/javascript,${encodeURIComponent(
    readFileSync(join(web, 'js/messages', f), 'utf8'))}`)).default;
  const [ja, en] = [await load('ja-settings.js'), await load('en-settings.js')];
  assert.deepEqual(Object.keys(en).sort(), Object.keys(ja).sort());
  const base = readFileSync(join(web, 'js/messages/ja.js'), 'utf8');
  const known = (k) => k in ja || base.includes(`'${k}':`);
  const missing = [];
  const files = ['settings.js', 'settings-common.js', 'settings-account.js', 'settings-users.js', 'settings-company.js',
                 'settings-tokens.js', 'settings-notify.js', 'settings-support.js', 'settings-audit.js']
    .map((f) => join(web, 'js/pages', f)).concat([join(web, 'platform/platform.js'), join(web, 'platform/views.js')]);
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\bt\('([a-zA-Z0-9_.]+)'/g)) {
      if (!known(m[1])) missing.push(`${f}: ${m[1]}`);
    }
  }
  // the words picked by a value (from the API or a table)
  const families = {
    settings: ['account', 'users', 'company', 'tokens', 'notify', 'support', 'audit'].flatMap((s) => [`${s}.title`, `${s}.about`]),
    'settings.users.do': ['disable', 'enable', 'resetMfa', 'resetPassword', 'unlock', 'revoke'],
    'settings.users.status': ['active', 'disabled'], 'settings.perm': ['users.read', 'users.write', 'audit.read'],
    'settings.rounding': ['down', 'half_up', 'up'], 'settings.priceChange': ['reading_date', 'day_split'],
    'settings.partialBase': ['full', 'days'], 'settings.pay.type': ['1', '2', '9'],
    'settings.support.access': ['read', 'write'], role: ['admin', 'office', 'reader', 'delivery', 'safety', 'accountant', 'readonly'],
    approval: ['user.role', 'user.status', 'user.reset_mfa'], 'platform.tenant': ['active', 'suspended'],
    'platform.level': ['info', 'warning', 'outage'],
    'platform.state': ['ok', 'degraded', 'stale', 'stopped', 'unknown', 'outage', 'running', 'stalled', 'finished',
                       'finished_with_errors', 'unreadable'],
  };
  for (const [k, vs] of Object.entries(families)) for (const v of vs) if (!known(`${k}.${v}`)) missing.push(`${k}.${v}`);
  assert.deepEqual(missing, []);
});
