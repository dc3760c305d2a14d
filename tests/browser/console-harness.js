// console-harness.js — what the console's browser tests share: a real
// `pilotlight serve` on a free port over a data directory filled by
// `pilotlight seed` (one retailer, 0001, with 24 months of readings,
// invoices and overdue accounts), users made with the CLI, a small API
// client for setting things up behind the browser's back, Debian's
// chromium at 1280×800, sign-in through the real form, a guard that fails
// a journey on any console error (except the HTTP statuses the journey
// expects, which Chromium logs as "Failed to load resource"), and a
// screenshot of the screen each journey ends on, under the build's
// browser-out/ folder (PL_BROWSER_OUT to put them elsewhere).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const BIN = resolve(process.env.PILOTLIGHT_BIN || '../../build/pilotlight');
export const SRC = process.env.PILOTLIGHT_SRC || '../..';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const TENANT = '0001';
export const OUT = process.env.PL_BROWSER_OUT || join(dirname(BIN), 'browser-out');

export function cli(...args) {
  return execFileSync(BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// The one-time code of secret, `ahead` 30-s steps from now. The server
// takes the current step and one either side, and refuses a step not newer
// than the last it accepted for the user: +1 lets a test sign in again
// right after enrolling without waiting for the clock.
export function totp(secret, ahead = 0) {
  const at = Math.floor(Date.now() / 1000) + 30 * ahead;
  return cli('totp', '--secret', secret, '--time', String(at)).slice(0, 6);
}

// Katakana → half-width katakana (ﾀｶｷﾞ), as a phone call's notes might have it.
const HALF = 'ｧｱｨｲｩｳｪｴｫｵｶｶﾞｷｷﾞｸｸﾞｹｹﾞｺｺﾞｻｻﾞｼｼﾞｽｽﾞｾｾﾞｿｿﾞﾀﾀﾞﾁﾁﾞｯﾂﾂﾞﾃﾃﾞﾄﾄﾞﾅﾆﾇﾈﾉﾊﾊﾞﾊﾟﾋﾋﾞﾋﾟﾌﾌﾞﾌﾟﾍﾍﾞﾍﾟﾎﾎﾞﾎﾟﾏﾐﾑﾒﾓｬﾔｭﾕｮﾖﾗﾘﾙﾚﾛﾜﾜｲｴｦﾝ';
export function halfKana(s) {
  const units = HALF.match(/.[ﾞﾟ]?/gu);
  return [...s].map((ch) => {
    const i = ch.charCodeAt(0) - 0x30a1; // ァ
    if (ch === 'ー') return 'ｰ';
    if (ch === '　' || ch === ' ') return ' ';
    return i >= 0 && i < units.length ? units[i] : ch;
  }).join('');
}

export class Server {
  // extra: more `serve` options (e.g. ['--step-up', '2']).
  async start(name, extra = []) {
    this.dir = mkdtempSync(join(tmpdir(), `pl-${name}-`));
    this.data = join(this.dir, 'data');
    this.logPath = join(this.dir, 'serve.log');
    cli('seed', '--data', this.data, '--tenants', '1', '--customers-per-tenant', '40', '--months', '24');
    const log = openSync(this.logPath, 'a');
    this.proc = spawn(BIN, ['serve', '--data', this.data, '--port', '0', '--login-rate', '100000',
                            '--web', join(SRC, 'web'), ...extra], { stdio: ['ignore', 'ignore', log] });
    for (let i = 0; i < 400 && !this.base; i++) {
      let text = '';
      try { text = readFileSync(this.logPath, 'utf8'); } catch { /* not yet */ }
      const m = text.match(/"event":"serve.listening".*?"port":(\d+)/);
      if (m) this.base = `http://127.0.0.1:${m[1]}`;
      else await new Promise((r) => setTimeout(r, 50));
    }
    if (!this.base) throw new Error('server did not start');
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(join(OUT, name), { recursive: true });
    this.name = name;
    return this;
  }

  async stop() {
    await this.browser?.close();
    // a server that died under a journey is the failure to report, with
    // the end of its log (an ASan report, a fatal error)
    if (this.proc && this.proc.exitCode !== null) {
      const tail = readFileSync(this.logPath, 'utf8').split('\n').slice(-60).join('\n');
      rmSync(this.dir, { recursive: true, force: true });
      throw new Error(`serve exited (${this.proc.exitCode}) during the tests:\n${tail}`);
    }
    if (this.proc && this.proc.exitCode === null) {
      const gone = new Promise((r) => this.proc.on('exit', r));
      this.proc.kill('SIGTERM');
      await gone;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  // A user made with the CLI; returns { login, password }.
  user(login, role, name = `${role}テスト`) {
    const out = cli('user', 'create', '--data', this.data, '--tenant', TENANT,
                    '--login', login, '--name', name, '--role', role);
    return { login, password: /initial password: (\S+)/.exec(out)[1], role, name };
  }

  // A user who has set up the second factor already (through the API):
  // { login, password, secret, recovery }.
  async enrolledUser(login, role, name) {
    const u = this.user(login, role, name);
    const c = new Client(this.base);
    const r = await c.ok('POST', '/api/v1/auth/login', { tenant: TENANT, login_id: login, password: u.password });
    assert.equal(r.stage, 'enroll');
    const e = await c.ok('GET', '/api/v1/auth/enroll');
    const done = await c.ok('POST', '/api/v1/auth/enroll', { code: totp(e.secret) });
    return { ...u, secret: e.secret, recovery: done.recovery_codes, client: c };
  }

  // A browser tab at 1280×800 in Japanese (JST), and its console guard.
  async open(path = '/') {
    const context = await this.browser.newContext({
      viewport: { width: 1280, height: 800 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo',
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const problems = [];
    const allowed = new Set();
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const st = /status of (\d{3})/.exec(m.text());
      if (st && allowed.has(Number(st[1]))) return;
      problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${this.base}${path}`);
    const t = {
      page, context, problems,
      // Statuses this journey provokes on purpose (a 401 after the session
      // was revoked, a 409 conflict, a 422 validation error).
      expectHttp(...codes) { codes.forEach((c) => allowed.add(c)); },
      shot: async (name) => page.screenshot({ path: join(OUT, this.name, `${name}.png`), fullPage: false }),
      // The journey ends here: a screenshot, no console errors, and no
      // text sticking out sideways at 1280 px.
      end: async (name) => {
        await t.shot(name);
        assert.deepEqual(problems, [], 'no console errors');
        assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
                  'nothing wider than the window');
        await context.close();
      },
    };
    return t;
  }
}

// Sign in through the form: password, then the one-time code (ahead: see
// totp()) or, with { recovery }, a recovery code.
export async function signIn(page, u, { ahead = 1, recovery = null } = {}) {
  await page.getByLabel('事業者コード').fill(TENANT);
  await page.getByLabel('ログインID').fill(u.login);
  await page.getByLabel('パスワード').fill(u.password);
  await page.getByRole('button', { name: '次へ' }).click();
  if (recovery) {
    await page.getByRole('button', { name: /回復コードを使う/ }).click();
    await page.getByLabel('回復コード').fill(recovery);
  } else {
    await page.getByLabel('ワンタイムコード（6 桁）').fill(totp(u.secret, ahead));
  }
  await page.getByRole('button', { name: 'サインイン' }).click();
  await page.locator('.topbar').waitFor();
}

// A minimal API client with one session cookie, for setting up data.
export class Client {
  constructor(base) { this.base = base; this.cookie = ''; this.csrf = ''; }

  async req(method, path, body, headers = {}) {
    const h = { Accept: 'application/json', ...headers };
    if (this.cookie) h.Cookie = this.cookie;
    if (this.csrf && method !== 'GET') h['X-CSRF-Token'] = this.csrf;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const res = await fetch(this.base + path, {
      method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const c of res.headers.getSetCookie()) {
      if (c.startsWith('pl_session=')) this.cookie = c.split(';')[0];
    }
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (json?.csrf) this.csrf = json.csrf;
    return { status: res.status, json, headers: res.headers };
  }

  async ok(method, path, body, headers) {
    const r = await this.req(method, path, body, headers);
    assert.ok(r.status >= 200 && r.status < 300,
              `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  }
}
