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
//  * the bank's statement of transfers (振込入金通知, built here: 200-byte
//    JIS X 0201 records, 令和 dates) as the accountant: a damaged copy is
//    refused with the record and the field named; the real one is checked
//    (one to post, one to review, one cancellation skipped), imported
//    (the fitting invoice is paid), its review link leads to the unknown
//    payer; the same file again brings nothing new. A convenience-store
//    CSV with an unknown invoice shows the line and column, corrected it
//    pays another invoice. Then dunning: from
//    the overdue list to the customer warned once, 催告 recorded through
//    the step-up prompt, the letter follows the case (the notice of supply
//    stop, which wants its stop date), and a note of the call with the
//    amount promised;
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
import { SRC, Server, halfKana, signIn, totp } from './console-harness.js';

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

// A 全銀 振込入金通知 (kind 01) as the bank's service hands it out: 200-byte
// records in JIS X 0201 (half-width kana as bytes 0xA1–0xDF), each
// followed by CR LF; dates in 和暦 (令和) YYMMDD. rows: { ref, amount,
// payer, cancel }; creditOff: yen added to the trailer's 入金額合計 (a
// damaged file).
const jis = (s) => Buffer.from([...s].map((ch) => {
  const c = ch.codePointAt(0);
  if (c >= 0xff61 && c <= 0xff9f) return c - 0xff61 + 0xa1;
  assert.ok(c < 0x80, `not JIS X 0201: ${ch}`);
  return c;
}));
const reiwa = (iso) => `${String(Number(iso.slice(0, 4)) - 2018).padStart(2, '0')}${iso.slice(5, 7)}${iso.slice(8, 10)}`;

function bankNotice(day, rows, creditOff = 0) {
  const out = [];
  const rec = (type, fields) => {
    const r = Buffer.alloc(200, 0x20);
    r[0] = type.charCodeAt(0);
    for (const [pos, v] of fields) (Buffer.isBuffer(v) ? v : Buffer.from(v, 'latin1')).copy(r, pos - 1);
    out.push(r, Buffer.from('\r\n', 'latin1'));
  };
  const d = reiwa(day);
  rec('1', [[2, `010${d}${d}${d}`], [23, '0149'], [42, '123'], [60, '11234567']]);
  let credit = 0, ncredit = 0, cancel = 0, ncancel = 0;
  for (const x of rows) {
    rec('2', [[2, x.ref], [8, d], [14, d], [20, String(x.amount).padStart(10, '0')],
              [30, '0'.repeat(20)], [50, jis(x.payer)], [128, x.cancel ? '1' : ' ']]);
    if (x.cancel) { ncancel++; cancel += x.amount; } else { ncredit++; credit += x.amount; }
  }
  rec('8', [[2, String(ncredit).padStart(6, '0')], [8, String(credit + creditOff).padStart(12, '0')],
            [20, String(ncancel).padStart(6, '0')], [26, String(cancel).padStart(12, '0')]]);
  rec('9', []);
  return Buffer.concat(out);
}

test('bank statement and store payments import, then dunning: a warning step through the step-up prompt and a contact note', async () => {
  const c = admin.client;
  const today = new Date(Date.now() + 9 * 3600000).toISOString().slice(0, 10); // JST
  // B: the seeded overdue customer whose 督促状 went out (the case is
  // open, 催告 is next); A: a customer (B, in the seeded data) with an
  // open invoice the transfer pays, whose kana the bank can write; B
  // stays overdue by the other invoices
  const overdue = (await c.ok('GET', '/api/v1/dunning/overdue?limit=100')).customers;
  const b = overdue.find((x) => x.last_step?.step === 'reminder')?.customer;
  assert.ok(b, 'a customer warned once');
  let a = null;
  let inv = null;
  let cvsInv = null;
  for (const x of (await c.ok('GET', '/api/v1/customers?limit=100')).customers) {
    if (x.id === 3) continue; // the cash journey's
    const payer = halfKana(x.kana || '');
    if (!payer || [...payer].length > 48 ||
        ![...payer].every((ch) => ch < '\x80' || (ch >= '\uff61' && ch <= '\uff9f'))) continue;
    const open = (await c.ok('GET', `/api/v1/customers/${x.id}/receivables?limit=1`)).open_invoices || [];
    // one to pay by transfer, one at a store; B keeps one overdue
    const one = open.find((o) => open.filter((y) => y.open_yen === o.open_yen).length === 1);
    if (one && open.length >= (x.id === b.id ? 3 : 2)) {
      a = { ...x, payer };
      inv = one;
      cvsInv = open.find((o) => o !== one);
      break;
    }
  }
  assert.ok(a, 'a customer with an open invoice and a kana the bank can write');
  const rows = [
    { ref: '000501', amount: inv.open_yen, payer: a.payer }, // fits A's invoice: posted
    { ref: '000502', amount: 777, payer: 'ﾃｽﾄ ﾌﾘｺﾐ' }, // fits nobody: to review
    { ref: '000503', amount: 1000, payer: 'ｱｲｳ', cancel: true }, // a cancellation: skipped
  ];
  const good = bankNotice(today, rows);
  const bad = bankNotice(today, rows, 1); // the trailer's total ¥1 off

  const u = await srv.enrolledUser('keiri-d', 'accountant', '経理 督子');
  const t = await srv.open('/');
  const { page } = t;
  await signIn(page, u, { recovery: u.recovery[0] }); // leaves the code steps unused
  const signedInAt = Date.now();

  await page.getByRole('link', { name: '入金・督促' }).click();
  await page.getByRole('heading', { name: '入金', exact: true }).waitFor();
  await page.locator('.pay-nav').getByRole('link', { name: '明細の取込' }).click();
  await page.getByRole('heading', { name: '明細の取込' }).waitFor();
  const card = page.locator('#bank-import');

  // a damaged file: refused, the record and the field named, in Japanese
  t.expectHttp(422);
  await page.locator('#bank-import-file').setInputFiles({ name: 'nyukin.txt', mimeType: 'text/plain', buffer: bad });
  await card.getByRole('button', { name: '確認', exact: true }).click();
  await card.locator('#bank-import-msg', { hasText: '銀行の入金明細ファイル（振込入金通知・入出金取引明細）として読めません' }).waitFor();
  const err = card.locator('table.imp-errors tbody tr');
  assert.equal(await err.count(), 1);
  assert.equal((await err.locator('td').nth(0).textContent()).trim(), '5'); // the trailer
  assert.match(await err.locator('td').nth(1).textContent(), /入金額合計（credit_amount）/);
  assert.equal(await card.getByRole('button', { name: '取り込む' }).isDisabled(), true);

  // the bank's file: checked (nothing written), then imported
  await page.locator('#bank-import-file').setInputFiles({ name: 'nyukin.txt', mimeType: 'text/plain', buffer: good });
  await card.getByRole('button', { name: '確認', exact: true }).click();
  await card.locator('h3', { hasText: 'まだ取り込んでいません' }).waitFor();
  assert.equal((await card.locator('#bank-matched').textContent()).trim(), '1');
  assert.equal((await card.locator('#bank-review').textContent()).trim(), '1');
  assert.equal((await card.locator('#bank-skipped').textContent()).trim(), '1');
  assert.match(await card.locator('#bank-import-msg').textContent(), /2 件を取り込めます/);
  assert.equal((await c.ok('GET', `/api/v1/customers/${a.id}/receivables?limit=1`)).open_invoices
    .find((o) => o.invoice_id === inv.invoice_id)?.open_yen, inv.open_yen, 'a dry run writes nothing');
  await card.getByRole('button', { name: '取り込む' }).click();
  await card.locator('h3', { hasText: '取込結果' }).waitFor();
  assert.match(await card.locator('#bank-import-msg').textContent(), /振込 2 件を取り込みました（入金として記録 1 件・要確認 1 件）/);
  assert.match(await card.locator('table.bank-items tr[data-status="matched"]').textContent(), new RegExp(a.payer));
  assert.match(await card.locator('table.bank-items tr[data-status="skipped"]').textContent(), /取消/);
  await card.locator('table.bank-items').scrollIntoViewIfNeeded();
  await t.shot('bank-import');
  assert.equal((await c.ok('GET', `/api/v1/customers/${a.id}/receivables?limit=1`)).open_invoices
    .find((o) => o.invoice_id === inv.invoice_id), undefined, 'the matched transfer paid the invoice');
  // on to the review list: the unknown payer waits there
  await card.getByRole('link', { name: '確認待ちの振込 1 件を照合する' }).click();
  await page.getByRole('heading', { name: '振込の照合' }).waitFor();
  await page.locator('table.transfers tbody tr', { hasText: 'ﾃｽﾄ ﾌﾘｺﾐ' }).waitFor();
  // back, and the same file again: nothing new
  await page.goBack();
  await page.getByRole('heading', { name: '明細の取込' }).waitFor();
  await page.locator('#bank-import-file').setInputFiles({ name: 'nyukin.txt', mimeType: 'text/plain', buffer: good });
  await card.getByRole('button', { name: '確認', exact: true }).click();
  await card.locator('#bank-import-msg', { hasText: '新しく取り込む明細はありません' }).waitFor();
  assert.equal((await card.locator('#bank-duplicates').textContent()).trim(), '2');
  assert.equal(await card.getByRole('button', { name: '取り込む' }).isDisabled(), true);

  // the convenience-store CSV: a row naming no invoice is shown with its
  // line and column and nothing can be imported; corrected, it is
  const cvs = page.locator('#cvs-import');
  const csv = (rows) => ({ name: 'cvs.csv', mimeType: 'text/csv', buffer: Buffer.from(`請求書番号,金額,入金日\n${rows}`) });
  const paidOn = `${cvsInv.number},${cvsInv.open_yen},${today}\n`;
  await page.locator('#cvs-import-file').setInputFiles(csv(`999999,100,${today}\n${paidOn}`));
  await cvs.getByRole('button', { name: '確認', exact: true }).click();
  await cvs.locator('#cvs-import-msg', { hasText: '取り込めない明細が 1 件あります' }).waitFor();
  const cerr = cvs.locator('table.imp-errors tbody tr');
  assert.equal((await cerr.locator('td').nth(0).textContent()).trim(), '2');
  assert.match(await cerr.locator('td').nth(1).textContent(), /請求書番号（invoice_number）/);
  assert.match(await cerr.locator('td').nth(2).textContent(), /999999/);
  assert.equal(await cvs.getByRole('button', { name: '取り込む' }).isDisabled(), true);
  await page.locator('#cvs-import-file').setInputFiles(csv(paidOn));
  await cvs.getByRole('button', { name: '確認', exact: true }).click();
  await cvs.locator('#cvs-import-msg', { hasText: '1 件を取り込めます' }).waitFor();
  await cvs.getByRole('button', { name: '取り込む' }).click();
  await cvs.locator('#cvs-import-msg', { hasText: '入金 1 件' }).waitFor();
  assert.equal((await c.ok('GET', `/api/v1/customers/${a.id}/receivables?limit=1`)).open_invoices
    .find((o) => o.invoice_id === cvsInv.invoice_id), undefined, 'the store payment paid the invoice');

  // dunning: from the overdue list to B's page
  await page.locator('.pay-nav').getByRole('link', { name: '督促対象' }).click();
  await page.locator(`tr[data-customer="${b.id}"] a.dun-link`).click();
  await page.getByRole('heading', { name: /督促・交渉記録/ }).waitFor();
  assert.match(page.url(), new RegExp(`#/payments/overdue/${b.id}$`));
  await page.locator('h1 .dun-who', { hasText: b.number }).waitFor();
  await page.locator('#dun-steps p', { hasText: '督促案件 1 件目が進行中です（直近: 督促状）' }).waitFor();
  assert.equal(await page.locator('.dun-step-form [name=step]').inputValue(), 'demand');
  assert.equal(await page.getByLabel('実施日（発送日）').inputValue(), today);
  await page.locator('.dun-step-form [name=note]').fill('催告書を簡易書留で発送');
  // the step wants a fresh code: the prompt, then the step
  await page.waitForTimeout(Math.max(0, signedInAt + 3500 - Date.now()));
  t.expectHttp(403);
  await page.getByRole('button', { name: '記録する' }).click();
  await page.getByRole('heading', { name: 'ワンタイムコードの再入力' }).waitFor();
  await page.getByLabel('ワンタイムコード（6 桁）').fill(totp(u.secret, 1));
  await page.getByRole('button', { name: '確認する' }).click();
  await page.locator('#dun-step-msg', { hasText: '「催告」' }).waitFor();
  await page.locator('table.dun-steps tr[data-step="demand"]', { hasText: '催告書を簡易書留で発送' }).waitFor();
  await page.locator('#dun-steps p', { hasText: '督促案件 1 件目が進行中です（直近: 催告）' }).waitFor();
  const steps = await c.ok('GET', `/api/v1/customers/${b.id}/dunning-steps`);
  assert.deepEqual(steps.steps.map((s) => [s.step, s.note]), [['reminder', '督促状を郵送'], ['demand', '催告書を簡易書留で発送']]);
  assert.equal(steps.steps[1].taken_on, today);
  assert.deepEqual(steps.next_steps.sort(), ['resolved', 'stop_notice']);
  // the letter to print follows the case: the notice of supply stop now,
  // which cannot be printed without the stop date
  await page.locator('#dun-letter select').first().waitFor();
  assert.equal(await page.getByLabel('書面').inputValue(), 'stop_notice');
  const link = page.locator('#dun-letter-pdf');
  assert.equal(await link.getAttribute('aria-disabled'), 'true');
  await page.locator('#dun-letter-need', { hasText: '停止予定日が必要です' }).waitFor();
  const stopOn = new Date(Date.now() + (9 + 24 * 21) * 3600000).toISOString().slice(0, 10);
  await page.locator('#dun-letter-stop').fill(stopOn);
  assert.equal(await link.getAttribute('aria-disabled'), null);
  assert.match(await link.getAttribute('href'), new RegExp(`step=stop_notice.*stop_planned_on=${stopOn}`));
  const pdf = await page.request.get(srv.base + await link.getAttribute('href'));
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');

  // a note of the call
  await page.locator('.dun-note-form [name=channel]').selectOption('phone');
  await page.locator('.dun-note-form [name=person]').fill('ご本人');
  await page.locator('.dun-note-form [name=summary]').fill('電話で支払を依頼。月末に振り込むとのこと');
  await page.getByLabel('支払約束額（円）').fill('5000');
  await page.getByRole('button', { name: '交渉記録を追加' }).click();
  await page.locator('#dun-notes .form-msg', { hasText: '交渉記録を追加しました' }).waitFor();
  await page.locator('table.dun-notes tbody tr', { hasText: '月末に振り込むとのこと' }).waitFor();
  const notes = (await c.ok('GET', `/api/v1/customers/${b.id}/contact-notes`)).contact_notes;
  assert.equal(notes[0].summary, '電話で支払を依頼。月末に振り込むとのこと');
  assert.equal(notes[0].staff, '経理 督子'); // the signed-in user by default
  assert.equal(notes[0].promised_yen, 5000);
  await page.evaluate(() => { document.getElementById('dun-steps').scrollIntoView(); window.scrollBy(0, -70); });
  await t.end('dunning');
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
                   'overdue.js', 'payments-imports.js', 'payments-dunning.js']) {
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
    'bankimp.status': ['matched', 'review', 'duplicate', 'skipped'], 'bankimp.kind': ['deposit_notice', 'statement'],
    'dun.step': ['reminder', 'demand', 'stop_notice', 'stopped', 'resumed', 'resolved'],
    'dun.channel': ['phone', 'visit', 'letter', 'email', 'other'], 'dun.letter': ['reminder', 'demand', 'stop_notice'],
    'dun': ['steps.title', 'letter.title', 'notes.title'], 'cvsimp.charset': ['auto', 'utf-8', 'shift_jis'],
  };
  for (const [k, vs] of Object.entries(families)) for (const v of vs) if (!known(`${k}.${v}`)) missing.push(`${k}.${v}`);
  assert.deepEqual(missing, []);
});
