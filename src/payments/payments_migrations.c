/*
 * payments_migrations.c — receivables and payments (入金・債権管理) in the
 * tenant store: module "payments".
 *
 * The receivables ledger (債権管理) is derived, never edited. A customer's
 * movements are
 *   - invoices, read from billing's own table (invoices): every issued
 *     invoice owes its total_yen on its issue date; a void invoice (赤黒
 *     訂正) stays in the history and the correction that names it brings
 *     a reversal of the same amount on the correction's issue date, so the
 *     pair nets out and the correction owes its own total. Billing writes
 *     nothing for the ledger: the view below reads invoices directly.
 *   - receivable_entries, every other movement, one row each, never
 *     updated or deleted: payments (amount < 0: 口座振替 debit, 振込
 *     transfer, 集金 cash, コンビニ cvs, other), refunds of a credit (> 0),
 *     adjustments (±, e.g. a write-off or a small difference) and
 *     reversals (取消: the negative of one earlier entry, which it names;
 *     a mistake is put right by a reversal, never by an edit).
 * The balance (+ owed, − 前受 credit) is the sum of a customer's
 * movements; receivable_ledger is that history as one view.
 *
 * The billing run reads every customer's carried balance (前回未収/前受,
 * ledger.h) once per run through two covering indexes: invoices_receivable
 * (an index on billing's table, here because only the ledger reads it;
 * partial: issued invoices) and receivable_entries_customer; an entry
 * naming an invoice keeps that invoice's due date (invoice_due_on, never
 * changing) so the carry can leave out money paid ahead without visiting
 * invoices.
 *
 * Receipt numbers (領収書番号) of cash collection come from receipt_counter
 * in the same transaction as the entry, like invoice numbers: gapless per
 * tenant. source_key makes a posting idempotent: a debit result or a
 * convenience-store record posted twice changes nothing the second time.
 *
 * bank_transfers: each bank transfer (振込) as the bank reported it, with
 * the payer's name as the bank writes it (half-width kana) and its folded
 * key; matched at once when exactly one open invoice fits name and
 * amount, otherwise on the review list (status review) until someone
 * assigns it to a customer or dismisses it. payment_followups: what a
 * failed direct debit asks for (re-debit with the next invoice, a transfer
 * slip, a call), open until someone closes it.
 *
 * Dunning (督促): contact_notes (who, when, how, what was agreed) and
 * dunning_steps, the supply-stop warning steps (督促状 → 催告 → 供給停止
 * 予告 → 停止, then 再開 or 解決) recorded one by one by people, in order,
 * per case (case_no: a resolved or resumed case ends; the next overdue
 * starts case + 1). Nothing here ever stops a supply by itself.
 *
 * Version 2: direct debit requests (口座振替依頼, debit.h). debit_requests
 * (the id is the request's number, gapless per tenant), debit_files (each
 * Zengin file whole, as hex text, with its BLAKE2b; the result's figures
 * once imported), debit_lines (which invoice each data record collects,
 * its amount and, once imported, its result; live = 0 after a
 * cancellation; an invoice is on at most one live line: debit_lines_
 * invoice), debit_problems (invoices left out, with the reason). Account
 * numbers are only in the files' content.
 *
 * Version 3: bank_transfers.source_key, the statement record a transfer
 * came from (振込入金通知 / 入出金取引明細: account, 勘定日, 照会番号), so
 * a statement imported twice records each transfer once; and
 * payment_idempotency, the answer of each POST /payments sent with an
 * Idempotency-Key (per user: actor; kept 24 h, created_s in Unix
 * seconds), replayed when the same request comes again.
 *
 * Every table has an INTEGER PRIMARY KEY (change capture for backups).
 */
#include "store/migrate.h"

#include <stddef.h>

const struct migration payments_tenant_migrations[] = {
    {"payments", 1,
     "CREATE TABLE receipt_counter ("
     " id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),"
     " next_number INTEGER NOT NULL);"
     "INSERT INTO receipt_counter (id, next_number) VALUES (1, 1);"
     "CREATE TABLE bank_transfers ("
     " id INTEGER PRIMARY KEY,"
     " received_on TEXT NOT NULL,"
     " amount_yen INTEGER NOT NULL CHECK (amount_yen > 0),"
     " payer_name TEXT NOT NULL,"
     " payer_key TEXT NOT NULL,"
     " bank_reference TEXT,"
     " status TEXT NOT NULL CHECK (status = 'matched' OR status = 'review'"
     "  OR status = 'assigned' OR status = 'dismissed'),"
     " candidates TEXT,"
     " customer_id INTEGER REFERENCES customers (id),"
     " invoice_id INTEGER REFERENCES invoices (id),"
     " resolution_note TEXT,"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL,"
     " resolved_at TEXT,"
     " resolved_by TEXT);"
     "CREATE INDEX bank_transfers_review ON bank_transfers (id)"
     " WHERE status = 'review';"
     "CREATE TABLE receivable_entries ("
     " id INTEGER PRIMARY KEY,"
     " customer_id INTEGER NOT NULL REFERENCES customers (id),"
     " kind TEXT NOT NULL CHECK (kind = 'payment' OR kind = 'refund'"
     "  OR kind = 'adjustment' OR kind = 'reversal'),"
     " method TEXT CHECK (method = 'debit' OR method = 'transfer'"
     "  OR method = 'cash' OR method = 'cvs' OR method = 'other'),"
     " amount_yen INTEGER NOT NULL CHECK (amount_yen <> 0),"
     " entry_on TEXT NOT NULL,"
     " invoice_id INTEGER REFERENCES invoices (id),"
     " invoice_due_on TEXT,"
     " receipt_number INTEGER UNIQUE,"
     " transfer_id INTEGER REFERENCES bank_transfers (id),"
     " reverses_id INTEGER UNIQUE REFERENCES receivable_entries (id),"
     " reference TEXT,"
     " source_key TEXT UNIQUE,"
     " note TEXT,"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL,"
     " CHECK ((kind = 'payment' AND amount_yen < 0 AND method IS NOT NULL)"
     "  OR (kind = 'refund' AND amount_yen > 0)"
     "  OR kind = 'adjustment'"
     "  OR (kind = 'reversal' AND reverses_id IS NOT NULL)));"
     "CREATE INDEX receivable_entries_customer ON receivable_entries"
     " (customer_id, entry_on, amount_yen, invoice_due_on);"
     "CREATE INDEX invoices_receivable ON invoices (customer_id, due_on,"
     " issued_on, total_yen, previous_balance_yen) WHERE status = 'issued';"
     "CREATE INDEX receivable_entries_invoice ON receivable_entries"
     " (invoice_id) WHERE invoice_id IS NOT NULL;"
     "CREATE TABLE payment_followups ("
     " id INTEGER PRIMARY KEY,"
     " customer_id INTEGER NOT NULL REFERENCES customers (id),"
     " invoice_id INTEGER REFERENCES invoices (id),"
     " source TEXT NOT NULL CHECK (source = 'debit'),"
     " result_code INTEGER,"
     " action TEXT NOT NULL CHECK (action = 'redebit'"
     "  OR action = 'transfer_slip' OR action = 'contact'),"
     " status TEXT NOT NULL CHECK (status = 'open' OR status = 'done'),"
     " amount_yen INTEGER NOT NULL,"
     " reference TEXT,"
     " source_key TEXT UNIQUE,"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL,"
     " closed_at TEXT,"
     " closed_by TEXT,"
     " close_note TEXT);"
     "CREATE INDEX payment_followups_customer"
     " ON payment_followups (customer_id);"
     "CREATE INDEX payment_followups_open ON payment_followups (id)"
     " WHERE status = 'open';"
     "CREATE TABLE contact_notes ("
     " id INTEGER PRIMARY KEY,"
     " customer_id INTEGER NOT NULL REFERENCES customers (id),"
     " contacted_on TEXT NOT NULL,"
     " channel TEXT NOT NULL CHECK (channel = 'phone' OR channel = 'visit'"
     "  OR channel = 'letter' OR channel = 'email' OR channel = 'other'),"
     " staff TEXT NOT NULL,"
     " person TEXT,"
     " summary TEXT NOT NULL,"
     " agreement TEXT,"
     " promised_yen INTEGER,"
     " promised_on TEXT,"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL);"
     "CREATE INDEX contact_notes_customer ON contact_notes (customer_id);"
     "CREATE TABLE dunning_steps ("
     " id INTEGER PRIMARY KEY,"
     " customer_id INTEGER NOT NULL REFERENCES customers (id),"
     " case_no INTEGER NOT NULL CHECK (case_no >= 1),"
     " step TEXT NOT NULL CHECK (step = 'reminder' OR step = 'demand'"
     "  OR step = 'stop_notice' OR step = 'stopped' OR step = 'resumed'"
     "  OR step = 'resolved'),"
     " taken_on TEXT NOT NULL,"
     " overdue_yen INTEGER NOT NULL,"
     " stop_planned_on TEXT,"
     " note TEXT,"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL,"
     " UNIQUE (customer_id, case_no, step));"
     "CREATE VIEW receivable_ledger AS"
     " SELECT iv.customer_id, 'invoice' AS kind, NULL AS method,"
     "  iv.total_yen AS amount_yen, iv.issued_on AS entry_on,"
     "  COALESCE(NULLIF(iv.due_on, ''), iv.issued_on) AS due_on,"
     "  iv.id AS invoice_id, iv.number AS invoice_number,"
     "  NULL AS entry_id, NULL AS reference, iv.created_at,"
     "  iv.status AS status"
     " FROM invoices iv"
     " UNION ALL"
     " SELECT c.customer_id, 'invoice_void', NULL, -o.total_yen,"
     "  c.issued_on, c.issued_on, o.id, o.number, NULL, NULL, c.created_at,"
     "  'void'"
     " FROM invoices c JOIN invoices o ON o.id = c.corrects_id"
     " UNION ALL"
     " SELECT e.customer_id, e.kind, e.method, e.amount_yen, e.entry_on,"
     "  e.entry_on, e.invoice_id, NULL, e.id, e.reference, e.created_at,"
     "  'posted'"
     " FROM receivable_entries e;"},
    {"payments", 2,
     "CREATE TABLE debit_requests ("
     " id INTEGER PRIMARY KEY,"
     " debit_on TEXT NOT NULL,"
     " runs TEXT NOT NULL,"
     " bank_code TEXT,"
     " requester_code TEXT NOT NULL,"
     " files_mode TEXT NOT NULL CHECK (files_mode = 'combined'"
     "  OR files_mode = 'per_bank'),"
     " line_ending TEXT NOT NULL CHECK (line_ending = 'crlf'"
     "  OR line_ending = 'none'),"
     " status TEXT NOT NULL CHECK (status = 'created' OR status = 'partial'"
     "  OR status = 'imported' OR status = 'cancelled'),"
     " line_count INTEGER NOT NULL,"
     " amount_yen INTEGER NOT NULL,"
     " problem_count INTEGER NOT NULL,"
     " skipped_count INTEGER NOT NULL,"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL,"
     " cancelled_at TEXT,"
     " cancelled_by TEXT,"
     " cancel_reason TEXT);"
     "CREATE TABLE debit_files ("
     " id INTEGER PRIMARY KEY,"
     " request_id INTEGER NOT NULL REFERENCES debit_requests (id),"
     " file_no INTEGER NOT NULL CHECK (file_no >= 1),"
     " bank_code TEXT,"
     " line_count INTEGER NOT NULL,"
     " amount_yen INTEGER NOT NULL,"
     " bytes INTEGER NOT NULL,"
     " blake2b TEXT NOT NULL,"
     " content_hex TEXT NOT NULL,"
     " downloads INTEGER NOT NULL DEFAULT 0,"
     " last_download_at TEXT,"
     " result_at TEXT,"
     " result_by TEXT,"
     " result_blake2b TEXT,"
     " debited_count INTEGER,"
     " debited_yen INTEGER,"
     " failed_count INTEGER,"
     " failed_yen INTEGER,"
     " UNIQUE (request_id, file_no));"
     "CREATE TABLE debit_lines ("
     " id INTEGER PRIMARY KEY,"
     " file_id INTEGER NOT NULL REFERENCES debit_files (id),"
     " line INTEGER NOT NULL,"
     " invoice_id INTEGER NOT NULL REFERENCES invoices (id),"
     " customer_id INTEGER NOT NULL REFERENCES customers (id),"
     " contract_id INTEGER NOT NULL REFERENCES contracts (id),"
     " customer_number TEXT NOT NULL,"
     " amount_yen INTEGER NOT NULL CHECK (amount_yen > 0),"
     " live INTEGER NOT NULL DEFAULT 1 CHECK (live = 0 OR live = 1),"
     " result_code INTEGER,"
     " entry_id INTEGER REFERENCES receivable_entries (id),"
     " followup_id INTEGER REFERENCES payment_followups (id),"
     " UNIQUE (file_id, line));"
     "CREATE UNIQUE INDEX debit_lines_invoice ON debit_lines (invoice_id)"
     " WHERE live = 1;"
     "CREATE INDEX debit_lines_pending ON debit_lines (customer_id,"
     " amount_yen) WHERE live = 1 AND result_code IS NULL;"
     "CREATE INDEX debit_lines_contract ON debit_lines (contract_id)"
     " WHERE live = 1;"
     "CREATE TABLE debit_problems ("
     " id INTEGER PRIMARY KEY,"
     " request_id INTEGER NOT NULL REFERENCES debit_requests (id),"
     " kind TEXT NOT NULL CHECK (kind = 'problem' OR kind = 'skipped'),"
     " invoice_id INTEGER NOT NULL REFERENCES invoices (id),"
     " customer_id INTEGER NOT NULL REFERENCES customers (id),"
     " reason TEXT NOT NULL,"
     " field TEXT,"
     " message TEXT NOT NULL);"
     "CREATE INDEX debit_problems_request ON debit_problems (request_id,"
     " kind);"},
    {"payments", 3,
     "ALTER TABLE bank_transfers ADD COLUMN source_key TEXT;"
     "CREATE UNIQUE INDEX bank_transfers_source ON bank_transfers"
     " (source_key) WHERE source_key IS NOT NULL;"
     "CREATE TABLE payment_idempotency ("
     " id INTEGER PRIMARY KEY,"
     " actor TEXT NOT NULL,"
     " key TEXT NOT NULL,"
     " request_hash TEXT NOT NULL,"
     " status INTEGER NOT NULL,"
     " response TEXT NOT NULL,"
     " created_s INTEGER NOT NULL,"
     " UNIQUE (actor, key));"
     "CREATE INDEX payment_idempotency_age ON payment_idempotency"
     " (created_s);"},
    {NULL, 0, NULL},
};
