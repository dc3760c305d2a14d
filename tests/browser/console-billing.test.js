// console-billing.test.js — the billing screens (料金・請求) of the console
// in real headless Chromium against a real `pilotlight serve` over a
// seeded retailer (console-harness.js: 40 households in billing group 20,
// 24 months billed; the current month's readings are in but their period
// is still open). Journeys:
//
//  * 請求締め: the current month's reading period is closed, then an
//    accountant previews the run for group 20 (the figures are the API's
//    own preview), commits it after the confirmation, sees the progress
//    bar reach every contract, opens the invoices issued (filtered by the
//    run in the URL), one invoice with 設備料金 shown apart and the tax per
//    rate, and its statement PDF (application/pdf, starts with %PDF);
//  * corrections: an adjustment of ¥0 is refused at the amount field in
//    Japanese, a credit is recorded; a 赤黒訂正 with another usage voids the
//    invoice and shows the new one, which links back to the void original;
//  * the invoice list keeps its filters and page in the URL: next page,
//    back, a customer typed by number;
//  * 料金表: the live calculator shows the breakdown of a typed usage (the
//    same figures as POST …/quote), a usage not in 0.1 m³ steps and a date
//    before any version are explained at their fields; a new price version
//    whose bands are out of order is refused at the bands, then saved;
//  * a read-only user sees invoices but neither "run billing" nor the
//    correction forms;
//  * 原料費調整: a month entered by hand (out of range refused at the
//    amount), a month computed from reference prices — first refused at
//    the month because a source month has no prices, those entered from
//    the button shown there, then computed and stored with the value the
//    formula gives worked out here; on the customer page a three-part
//    tariff is refused at the tariff for a contract without 設備料金, an
//    equipment fee unrelated to gas and one with three decimals are
//    refused at their fields, a proper one added, then the tariff
//    assigned; the tariff version's correction history says what changed.
//
// Each journey ends with a screenshot under browser-out/console-billing/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, signIn } from './console-harness.js';

const srv = new Server();
let admin; // an enrolled admin with an API client
let month; // the current reading month, closed in before()

const yen = (n) => `${Number(n).toLocaleString('ja-JP')}円`;

before(async () => {
  await srv.start('console-billing');
  admin = await srv.enrolledUser('admin-b', 'admin', '管理 花子');
  // close the open reading periods of the newest month: it becomes billable
  const { periods } = await admin.client.ok('GET', '/api/v1/reading-periods');
  const open = periods.filter((p) => p.status === 'open');
  assert.ok(open.length > 0, 'the seed leaves the current month open');
  month = open[0].month;
  for (const p of open.filter((x) => x.month === month)) {
    await admin.client.ok('POST', `/api/v1/reading-periods/${p.id}/close`, { force: true });
  }
});

after(async () => { await srv.stop(); });

async function as(login, role, name) {
  const u = await srv.enrolledUser(login, role, name);
  const t = await srv.open('/');
  await signIn(t.page, u);
  return { u, t, page: t.page };
}

test('preview and commit a billing run, follow its progress, open an invoice and its PDF', async () => {
  const expect = await admin.client.ok('POST', '/api/v1/billing-runs', { billing_group: 20, month });
  assert.ok(expect.totals.invoices > 0);
  const { t, page } = await as('acct-run', 'accountant', '経理 一郎');
  t.expectHttp(422);

  await page.getByRole('link', { name: '請求締め', exact: true }).click();
  await page.locator('#run-new').click();
  // a month with nothing to bill: said at the month, in Japanese
  await page.getByLabel('締め日').fill('20');
  await page.getByLabel('請求月').fill('2031-01');
  await page.getByRole('button', { name: '試算する' }).click();
  await page.locator('[data-field="month"] .field-error', { hasText: '請求できる検針がありません' }).waitFor();
  assert.equal(await page.locator('#run-preview').count(), 0);

  await page.getByLabel('請求月').fill(month);
  await page.getByRole('button', { name: '試算する' }).click();
  const preview = page.locator('#run-preview');
  await preview.waitFor();
  assert.match(page.url(), new RegExp(`#/billing/runs/new\\?group=20&month=${month}$`));
  assert.equal(await preview.locator('[data-figure="invoices"] strong').textContent(), String(expect.totals.invoices));
  assert.equal(await preview.locator('[data-figure="total"] strong').textContent(), yen(expect.totals.total_yen));
  assert.ok(await page.locator('.run-sample tbody tr').count() > 0, 'sample invoices shown');
  await t.shot('run-preview');
  // nothing was written by the preview
  const before = await admin.client.ok('GET', '/api/v1/billing-runs');
  assert.ok(!before.billing_runs.some((r) => r.month === month && r.billing_group === 20));

  // watch the bar while committing
  await page.evaluate(() => {
    window.__progress = [];
    new MutationObserver(() => {
      const bar = document.getElementById('run-progress');
      if (bar) window.__progress.push([bar.value, bar.max]);
    }).observe(document.getElementById('run-out'), { subtree: true, childList: true, attributes: true });
  });
  await page.locator('#run-commit').click();
  const dlg = page.getByRole('dialog', { name: '請求締めを確定しますか' });
  await dlg.waitFor();
  assert.match(await dlg.textContent(), new RegExp(`請求書 ${expect.totals.invoices} 件`));
  await dlg.getByRole('button', { name: '確定して請求書を発行する' }).click();
  await page.locator('#run-done').waitFor();
  assert.match(await page.locator('#run-done').textContent(), new RegExp(`請求書を ${expect.totals.invoices} 件発行しました`));
  const bar = page.locator('#run-progress');
  assert.equal(await bar.evaluate((b) => b.value), expect.contracts_total);
  assert.equal(await bar.evaluate((b) => b.max), expect.contracts_total);
  assert.equal(await page.locator('#run-progress-label').textContent(),
               `${expect.contracts_total} / ${expect.contracts_total} 件`);
  await t.shot('run-committed');
  const seen = await page.evaluate(() => window.__progress);
  assert.ok(seen.length > 0 && seen.every(([v, m]) => v <= m), 'the bar never runs past its end');
  const runs = await admin.client.ok('GET', '/api/v1/billing-runs');
  const run = runs.billing_runs.find((r) => r.month === month && r.billing_group === 20);
  assert.equal(run.status, 'committed');

  // the invoices of the run, filtered in the URL
  await page.locator('#run-invoices').click();
  await page.locator('#inv-list table').waitFor();
  assert.match(page.url(), new RegExp(`#/billing/invoices\\?run_id=${run.id}$`));
  assert.equal(await page.locator('#inv-run').inputValue(), String(run.id));
  const rows = page.locator('#inv-list tbody tr');
  assert.equal(await rows.count(), Math.min(50, expect.totals.invoices));

  // the newest first: open it
  const api = await admin.client.ok('GET', `/api/v1/invoices?run_id=${run.id}&order=desc&limit=1`);
  const want = await admin.client.ok('GET', `/api/v1/invoices/${api.invoices[0].id}`);
  await rows.first().getByRole('link', { name: `請求書 ${want.number} を開く` }).click();
  await page.getByRole('heading', { name: new RegExp(`請求書 ${want.number}`) }).waitFor();
  assert.equal(await page.locator('#inv-status').textContent(), '発行済み');
  const equip = page.locator('tbody.group-equipment');
  assert.equal(await equip.locator('.group-head').textContent(), '設備料金');
  assert.equal(await equip.locator('tr.line-equipment').count(),
               want.lines.filter((l) => l.kind === 'equipment').length);
  assert.ok(await page.locator('tbody.group-gas tr.line-usage').count() > 0);
  assert.equal(await page.locator('.tax-table tr[data-rate="10"] td').last().textContent(),
               yen(want.tax.find((x) => x.rate === 10).tax_yen));
  assert.equal(await page.locator('[data-total="amountDue"]').textContent(), yen(want.amount_due_yen));
  assert.match(await page.locator('.invoice-head').textContent(), new RegExp(want.issuer.registration));

  // the statement: a PDF
  const href = await page.locator('#inv-pdf').getAttribute('href');
  assert.equal(href, `/api/v1/invoices/${want.id}/statement.pdf`);
  assert.equal(await page.locator('#inv-pdf').getAttribute('target'), '_blank');
  const pdf = await t.context.request.get(`${srv.base}${href}`);
  assert.equal(pdf.status(), 200);
  assert.match(pdf.headers()['content-type'], /^application\/pdf/);
  assert.equal((await pdf.body()).subarray(0, 4).toString('latin1'), '%PDF');
  await t.end('run-commit-invoice');
});

test('correct an invoice: an adjustment refused then recorded, and a reissue with another usage', async () => {
  const list = await admin.client.ok('GET', '/api/v1/invoices?order=desc&limit=50');
  const iv = list.invoices.find((x) => x.status === 'issued' && Number(x.usage_m3) > 2);
  const { t, page } = await as('office-fix', 'office', '事務 次郎');
  t.expectHttp(422);
  await page.goto(`${srv.base}/#/billing/invoices/${iv.id}`);
  await page.locator('#inv-fix').waitFor();

  // an adjustment: ¥0 is refused by the API, at the field, in Japanese
  await page.locator('#inv-adjust summary').click();
  const adjust = page.locator('#inv-adjust form');
  await adjust.getByLabel('金額（税込・円）').fill('0');
  await adjust.getByLabel('理由').fill('検針誤りの返金');
  await adjust.getByRole('button', { name: '調整を登録する' }).click();
  const amountErr = adjust.locator('[data-field="amount_yen"] .field-error');
  await amountErr.filter({ hasText: /0 以外の金額/ }).waitFor();
  await adjust.getByLabel('金額（税込・円）').fill('-500');
  await adjust.getByRole('button', { name: '調整を登録する' }).click();
  await adjust.locator('.form-msg.ok', { hasText: '500円 の減額を登録しました' }).waitFor();
  assert.equal(await amountErr.textContent(), '');

  // 赤黒訂正 with a smaller usage
  await page.locator('#inv-correct summary').click();
  const correct = page.locator('#inv-correct form');
  await correct.getByRole('button', { name: '訂正して出し直す' }).click();
  await correct.locator('[data-field="reason"] .field-error', { hasText: '入力してください' }).waitFor();
  await correct.getByLabel('理由').fill('指針の読み違い');
  await correct.getByLabel('訂正後の使用量（m³）').fill('1.0');
  await correct.getByRole('button', { name: '訂正して出し直す' }).click();
  await page.locator('#inv-corrects').waitFor();
  const fresh = await admin.client.ok('GET', `/api/v1/invoices?customer_id=${iv.customer.id}&order=desc&limit=1`);
  const neu = fresh.invoices[0];
  assert.equal(neu.corrects_id, iv.id);
  assert.equal(neu.usage_m3, '1.0');
  assert.match(page.url(), new RegExp(`#/billing/invoices/${neu.id}$`));
  assert.equal(await page.locator('#inv-corrects').textContent(), `請求書 ${iv.number}`);
  await page.locator('.notice.ok', { hasText: `請求書 ${iv.number} を訂正し、請求書 ${neu.number} を発行しました` }).waitFor();

  // the original: void, links to its correction, no correction forms
  await page.locator('#inv-corrects').click();
  await page.locator('#inv-corrected-by').waitFor();
  assert.equal(await page.locator('#inv-status').textContent(), '無効');
  assert.equal(await page.locator('#inv-corrected-by').textContent(), `訂正後の請求書 ${neu.number}`);
  assert.equal(await page.locator('#inv-fix').count(), 0);
  await t.end('invoice-corrected');
});

test('the invoice list pages by cursor and keeps its filters in the URL', async () => {
  const { t, page } = await as('acct-list', 'accountant', '経理 三郎');
  await page.getByRole('link', { name: '請求書', exact: true }).click();
  await page.locator('#inv-list table').waitFor();
  const first = await page.locator('#inv-list tbody tr').first().locator('td').first().textContent();
  const top = await admin.client.ok('GET', '/api/v1/invoices?order=desc&limit=51');
  assert.equal(first, String(top.invoices[0].number), 'newest first');
  assert.equal(await page.locator('#inv-list tbody tr').count(), 50);

  await page.getByRole('button', { name: '次へ ›' }).click();
  await page.locator('#inv-count', { hasText: '51〜' }).waitFor();
  assert.match(page.url(), /#\/billing\/invoices\?after=\d+$/);
  assert.equal(await page.locator('#inv-list tbody tr').first().locator('td').first().textContent(),
               String(top.invoices[50].number));
  await page.goBack();
  await page.locator('#inv-count', { hasText: /^1〜50/ }).waitFor();

  // a customer typed by number; an unknown one is said so at the box
  await page.getByLabel('顧客番号').fill('NO-SUCH');
  await page.getByRole('button', { name: '絞り込む' }).click();
  await page.locator('#inv-customer-err', { hasText: '顧客番号「NO-SUCH」の顧客は見つかりません' }).waitFor();
  const c = top.invoices[0].customer;
  await page.getByLabel('顧客番号').fill(c.number);
  await page.getByRole('button', { name: '絞り込む' }).click();
  await page.locator('.chip.filter', { hasText: `顧客 ${c.number}` }).waitFor();
  assert.match(page.url(), new RegExp(`customer_id=${c.id}`));
  const names = await page.locator('#inv-list tbody td.name-col').allTextContents();
  assert.ok(names.length > 0 && names.every((n) => n === c.name));
  await t.end('invoice-list');
});

test('the tariff calculator shows the breakdown of a typed usage; a new version is checked at its bands', async () => {
  const { tariffs } = await admin.client.ok('GET', '/api/v1/tariffs');
  const tf = tariffs.find((x) => x.kind === 'three_part' && x.current) || tariffs.find((x) => x.current);
  const quote = await admin.client.ok('POST', `/api/v1/tariffs/${tf.id}/quote`, { usage_m3: '12.3' });
  const { t, page } = await as('office-tariff', 'office', '事務 四郎');
  t.expectHttp(422);
  await page.getByRole('link', { name: '料金表', exact: true }).click();
  await page.getByRole('link', { name: tf.code, exact: true }).click();
  await page.locator('#calculator').waitFor();

  // typed, not submitted: the breakdown follows the keys
  const usage = page.getByLabel('使用量（m³）');
  await usage.pressSequentially('12.3', { delay: 30 });
  await page.locator('#calc-total', { hasText: '12.3 m³' }).waitFor();
  assert.equal(await page.locator('#calc-total strong').textContent(), yen(quote.total_yen));
  const calc = page.locator('#calc-result');
  assert.equal(await calc.locator('tr.line').count(), quote.lines.length);
  assert.equal(await calc.locator('tbody.group-equipment tr.line-equipment td').last().textContent(),
               yen(quote.lines.find((l) => l.kind === 'equipment').amount_yen));
  assert.equal(await calc.locator('[data-total="tax"]').textContent(), yen(quote.tax_yen));
  await t.shot('calculator-breakdown');

  // 0.1 m³ steps only; a date before every version has no price
  await usage.fill('12.34');
  await page.locator('.calculator .field-error', { hasText: '0.1 m³ 単位' }).waitFor();
  await usage.fill('5');
  await page.locator('#calc-total', { hasText: '5 m³' }).waitFor();
  await page.getByLabel('検針日').fill('2001-01-01');
  await page.locator('.calculator .field-error', { hasText: '適用される料金表の版がありません' }).waitFor();

  // a new version: bands out of order are refused at the bands
  await page.locator('#version-new').click();
  const ed = page.locator('#tariff-editor form');
  await ed.waitFor();
  await ed.getByLabel('適用開始日').fill('2030-04-01');
  await ed.getByLabel('段階 1 の上限（m³）').fill('9.0');
  await ed.getByLabel('段階 2 の上限（m³）').fill('3.0');
  await ed.getByRole('button', { name: '版を追加する' }).click();
  await ed.locator('[data-field="bands"] .field-error:not(:empty)').waitFor();
  await t.shot('tariff-version-refused');
  await ed.getByLabel('段階 2 の上限（m³）').fill('10.0');
  await ed.getByRole('button', { name: '版を追加する' }).click();
  await page.locator('.notice.ok', { hasText: '2030年4月1日 からの版を追加しました' }).waitFor();
  await page.locator('#tariff-price h2', { hasText: '2030年4月1日 からの料金' }).waitFor();
  const after = await admin.client.ok('GET', `/api/v1/tariffs/${tf.id}`);
  const v = after.versions.find((x) => x.effective_from === '2030-04-01');
  assert.equal(v.bands[0].upper_m3, '9.0');
  assert.equal(v.bands[1].upper_m3, '10.0');
  assert.equal(await page.locator('.tariff-versions tr.selected .chip').textContent(), '適用前');
  await t.end('tariff-calculator');
});

test('a read-only user sees invoices but cannot bill or correct', async () => {
  const { t, page } = await as('ro-bill', 'readonly', '閲覧 五郎');
  await page.getByRole('link', { name: '請求締め', exact: true }).click();
  await page.locator('table.grid').waitFor();
  assert.equal(await page.locator('#run-new').count(), 0);
  const { invoices } = await admin.client.ok('GET', '/api/v1/invoices?order=desc&limit=1');
  await page.goto(`${srv.base}/#/billing/invoices/${invoices[0].id}`);
  await page.locator('#inv-pdf').waitFor();
  assert.equal(await page.locator('#inv-fix').count(), 0);
  await page.goto(`${srv.base}/#/billing/runs/new`);
  await page.getByRole('heading', { name: 'この画面を表示する権限がありません' }).waitFor();
  await t.end('readonly');
});

// "2026-11" + n months.
function addMonths(ym, n) {
  const [y, m] = ym.split('-').map(Number);
  const i = y * 12 + (m - 1) + n;
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
}

// The formula worked out here (rounding down to the step, by magnitude),
// to hold the API's and the screen's answer against.
function expectedPerM3(fm, sources) {
  const raw = sources.map((s) => ((Number(s.cp_usd_per_t) * fm.cp_weight + Number(s.mb_usd_per_t || 0) * fm.mb_weight) / 100
    + Number(s.freight_usd_per_t || 0)) * Number(s.tts_yen_per_usd));
  const avg = raw.reduce((a, b) => a + b, 0) / raw.length;
  const exact = (avg - Number(fm.base_yen_per_t)) / 1000 / Number(fm.conversion_m3_per_kg);
  if (Math.abs(exact) < Number(fm.dead_band)) return '0.00';
  const step = Number(fm.step) || 0.01;
  const v = Math.sign(exact) * Math.floor(Math.abs(exact) / step + 1e-9) * step;
  return v.toFixed(2);
}

test('原料費調整 entered and computed from references; a contract gets a three-part tariff after its equipment fee', async () => {
  // the seed's formula and newest reference month R; a month T whose
  // source months are R+1 (not entered yet) and R
  const { formula: fm } = await admin.client.ok('GET', '/api/v1/cost-formula');
  assert.equal(fm.period_months, 1);
  assert.equal(fm.rounding, 'down');
  const { references } = await admin.client.ok('GET', '/api/v1/cost-references');
  const r0 = references[0];
  const missing = addMonths(r0.month, 1);
  const target = addMonths(missing, fm.lag_months);
  const entered = addMonths(target, 1);
  // a three-part tariff whose versions carry no 設備料金 (each contract brings its own)
  const tf = await admin.client.ok('POST', '/api/v1/tariffs', { code: 'NOEQ', name: '三部料金（設備料金は契約ごと）', kind: 'three_part' });
  await admin.client.ok('POST', `/api/v1/tariffs/${tf.id}/versions`, {
    effective_from: '2020-01-01', tax_included: true, base_fee: '1800', equipment_fee: '0',
    bands: [{ upper_m3: '10.0', unit_price: '800' }, { upper_m3: null, unit_price: '760' }] });
  const { customers } = await admin.client.ok('GET', '/api/v1/customers?limit=1');
  const cust = customers[0];
  const { supply_points: occ } = await admin.client.ok('GET', `/api/v1/customers/${cust.id}/supply-points`);
  const sp = await admin.client.ok('GET', `/api/v1/supply-points/${occ.find((o) => !o.moved_out).supply_point.id}`);
  const k = sp.contract;
  assert.equal((await admin.client.ok('GET', `/api/v1/contracts/${k.id}/equipment-fees`)).equipment_fees.length, 0);

  const { t, page } = await as('office-cost', 'office', '事務 六郎');
  t.expectHttp(422);
  await page.getByRole('link', { name: '原料費調整', exact: true }).click();
  await page.locator('#cost-list table').waitFor();
  await page.locator('#formula-facts').waitFor();

  // a month entered by hand: out of range at the field, then saved
  const entry = page.locator('#cost-entry form');
  await entry.locator('[data-field="month"] input').fill(entered);
  await entry.getByLabel('調整額（円/m³）').fill('1001');
  await entry.getByRole('button', { name: '登録する' }).click();
  await entry.locator('[data-field="per_m3"] .field-error', { hasText: '±1,000 円の範囲' }).waitFor();
  await entry.getByLabel('調整額（円/m³）').fill('-3.5');
  await entry.getByRole('button', { name: '登録する' }).click();
  await page.locator(`#cost-list tr[data-month="${entered}"]`, { hasText: '−3.50円/m³' }).waitFor();
  assert.equal(await entry.locator('[data-field="per_m3"] .field-error').textContent(), '');
  const saved = await admin.client.ok('GET', `/api/v1/cost-adjustments/${entered}`);
  assert.equal(saved.per_m3, '-3.50');
  assert.equal(saved.source, 'entered');
  assert.equal(await page.locator(`#cost-list tr[data-month="${entered}"] .chip`).textContent(), '手入力');

  // computing a month whose source month has no prices: named at the month
  const comp = page.locator('#cost-compute form');
  await comp.locator('[data-field="month"] input').fill(target);
  await page.locator('#cost-compute-store').click();
  const [my, mm] = missing.split('-').map(Number);
  await comp.locator('[data-field="month"] .field-error',
    { hasText: `${my}年${mm}月の参照価格（CP・為替）が登録されていない` }).waitFor();
  assert.equal((await admin.client.req('GET', `/api/v1/cost-adjustments/${target}`)).status, 404, 'nothing stored');
  // its prices entered from there, then computed and stored
  await page.locator('#ref-missing-open').click();
  const refs = page.locator('#ref-entry form');
  assert.equal(await refs.locator('[data-field="month"] input').inputValue(), missing);
  await refs.getByLabel('CP（$/t）').fill('640');
  await refs.getByLabel('為替 TTS（円/$）').fill('151.5');
  await refs.getByRole('button', { name: '参照価格を登録する' }).click();
  await page.locator(`#ref-list tr[data-month="${missing}"]`).waitFor();
  await page.locator('#cost-compute-store').click();
  await page.locator('#cost-stored', { hasText: '登録しました' }).waitFor();
  const want = expectedPerM3(fm, [{ cp_usd_per_t: '640', tts_yen_per_usd: '151.5' }, r0].slice(0, fm.average_months));
  const stored = await admin.client.ok('GET', `/api/v1/cost-adjustments/${target}`);
  assert.equal(stored.per_m3, want);
  assert.equal(stored.source, 'formula');
  assert.equal(await page.locator('#cost-answer strong').getAttribute('data-per-m3'), want);
  assert.equal(await page.locator('#cost-result table tbody tr').count(), fm.average_months);
  await page.locator(`#cost-list tr[data-month="${target}"] .chip`, { hasText: '算定式' }).waitFor();
  await t.shot('cost-adjustment');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
            'the adjustment page fits the window');

  // the customer's contract: the three-part tariff is refused without a fee
  await page.goto(`${srv.base}/#/customers/${cust.id}/points`);
  const cb = page.locator(`#contract-billing-${k.id}`);
  await cb.locator('.contract-tariff-form').waitFor();
  await cb.getByLabel('料金表を変更').selectOption(String(tf.id));
  await cb.getByRole('button', { name: '料金表を割り当てる' }).click();
  await cb.locator('[data-field="tariff_id"] .field-error', { hasText: '三部料金制の契約には設備料金' }).waitFor();
  assert.equal((await admin.client.ok('GET', `/api/v1/supply-points/${sp.id}`)).contract.tariff_id, k.tariff_id);
  // add the fee: something unrelated to gas and a third decimal are refused at their fields
  await cb.locator('#fee-add-open').click();
  const add = cb.locator('form.fee-add');
  await add.getByLabel('内容').fill('エアコン保守');
  await add.getByLabel('月額（円）').fill('12.345');
  await add.getByRole('button', { name: '追加する' }).click();
  await add.locator('[data-field="description"] .field-error', { hasText: 'ガスの使用に関係のない' }).waitFor();
  await add.locator('[data-field="fee"] .field-error', { hasText: '小数2桁まで' }).waitFor();
  await add.getByLabel('内容').fill('ガス漏れ警報器リース');
  await add.getByLabel('月額（円）').fill('330');
  await add.getByRole('button', { name: '追加する' }).click();
  await cb.locator('table.fee-table tbody tr', { hasText: 'ガス漏れ警報器リース' }).waitFor();
  assert.match(await cb.locator('table.fee-table tbody tr').first().textContent(), /330円/);
  // now the tariff goes through
  await cb.getByLabel('料金表を変更').selectOption(String(tf.id));
  await cb.getByRole('button', { name: '料金表を割り当てる' }).click();
  await page.locator('.notice.ok', { hasText: '料金表 NOEQ を割り当てました' }).waitFor();
  await cb.locator(`#contract-tariff-${k.id}`, { hasText: 'NOEQ' }).waitFor();
  assert.equal((await admin.client.ok('GET', `/api/v1/supply-points/${sp.id}`)).contract.tariff_id, tf.id);
  const fees = (await admin.client.ok('GET', `/api/v1/contracts/${k.id}/equipment-fees`)).equipment_fees;
  assert.deepEqual(fees.map((f) => [f.description, f.fee]), [['ガス漏れ警報器リース', '330.00']]);
  await t.shot('contract-tariff-fee');

  // the tariff's version, corrected once: its history says what changed and why
  const { versions } = await admin.client.ok('GET', `/api/v1/tariffs/${tf.id}`);
  await admin.client.ok('PUT', `/api/v1/tariffs/${tf.id}/versions/${versions[0].id}`, {
    effective_from: '2020-01-01', tax_included: true, base_fee: '1850', equipment_fee: '0',
    bands: [{ upper_m3: '10.0', unit_price: '800' }, { upper_m3: null, unit_price: '760' }],
    reason: '基本料金の入力誤り' }, { 'If-Match': '"1"' });
  await cb.getByRole('link', { name: 'NOEQ' }).click();
  const hist = page.locator('#tariff-history');
  await hist.locator('tr[data-revision="2"]', { hasText: '基本料金の入力誤り' }).waitFor();
  assert.match(await hist.locator('tr[data-revision="2"] ul.changes').textContent(), /基本料金\s*1,800円\s*→\s*1,850円/);
  await hist.scrollIntoViewIfNeeded();
  await t.end('cost-contract-history');
});
