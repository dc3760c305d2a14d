// console.test.js — the console in real headless Chromium (Debian's package)
// against a real `pilotlight serve`: it loads under the strict CSP without
// errors, shows the service status in Japanese, switches to English and
// back, and reports a script error to the server log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BIN = process.env.PILOTLIGHT_BIN || './build/pilotlight';
const SRC = process.env.PILOTLIGHT_SRC || '.';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

let dir, server, base, browser, logPath;

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

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pl-browser-'));
  logPath = join(dir, 'serve.log');
  const { openSync } = await import('node:fs');
  const log = openSync(logPath, 'a');
  server = spawn(BIN, ['serve', '--data', join(dir, 'data'), '--port', '0',
                       '--web', join(SRC, 'web')],
                 { stdio: ['ignore', 'ignore', log] });
  base = `http://127.0.0.1:${await waitListening()}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
           '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
});

async function openConsole() {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${base}/`);
  return { page, problems };
}

test('status page shows the service as running, in Japanese', async () => {
  const { page, problems } = await openConsole();
  await page.locator('#status-line.ok').waitFor();
  assert.equal(await page.locator('#status-line').textContent(),
               '正常に稼働しています');
  assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
  assert.match(await page.locator('#version').textContent(), /^\d+\.\d+\.\d+ /);
  assert.match(await page.locator('#business-date').textContent(),
               /^\d{4}年\d{1,2}月\d{1,2}日$/);
  assert.equal(await page.locator('#stores').textContent(), '接続できています');
  assert.deepEqual(problems, []); // no CSP violations, no script errors
  await page.close();
});

test('language switch goes to English and is remembered', async () => {
  const { page } = await openConsole();
  await page.locator('#status-line.ok').waitFor();
  await page.locator('#lang').click();
  await page.locator('#status-line.ok').waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal(await page.locator('#status-title').textContent(),
               'Service status');
  await page.reload();
  await page.locator('#status-line.ok').waitFor();
  assert.equal(await page.locator('#status-line').textContent(),
               'All systems operational');
  await page.locator('#lang').click(); // back to Japanese for other tests
  assert.equal(await page.locator('#lang').textContent(), 'English');
  await page.close();
});

test('a script error in the console is reported to the server log', async () => {
  const { page } = await openConsole();
  await page.locator('#status-line.ok').waitFor();
  await page.evaluate(() => {
    setTimeout(() => { throw new Error('browser-test-marker'); }, 0);
  });
  let found = false;
  for (let i = 0; i < 100 && !found; i++) {
    found = readFileSync(logPath, 'utf8').includes('browser-test-marker');
    if (!found) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(found, 'client.error with the marker in the server log');
  await page.close();
});
