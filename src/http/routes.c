/*
 * routes.c — which route tables the server serves.
 *
 * A module adds its table here. Literal routes that could be shadowed by a
 * {param} route of another module must come first.
 */
#include "http/http.h"
#include "http/router.h"
#include "http/routes.h"

#include <stddef.h>

extern const struct route system_routes[];
extern const struct route auth_routes[];
extern const struct route auth_mfa_routes[];
extern const struct route users_routes[];
extern const struct route audit_routes[];
extern const struct route grants_routes[];
extern const struct route approvals_routes[];
extern const struct route notify_routes[];
extern const struct route password_routes[];
extern const struct route tokens_routes[];
extern const struct route customers_routes[];
extern const struct route import_routes[];
extern const struct route export_routes[];
extern const struct route equipment_routes[];
extern const struct route lists_routes[];
extern const struct route readings_import_routes[];
extern const struct route remote_routes[];
extern const struct route periods_routes[];
extern const struct route readings_routes[];
extern const struct route review_routes[];
extern const struct route readings_id_routes[];
extern const struct route tariff_routes[];
extern const struct route cost_formula_routes[];
extern const struct route billing_runs_routes[];
extern const struct route invoices_routes[];
extern const struct route statement_routes[];
extern const struct route slip_routes[];
extern const struct route payments_routes[];
extern const struct route transfers_routes[];
extern const struct route dunning_routes[];
extern const struct route debit_routes[];
extern const struct route devices_routes[];
extern const struct route device_events_internal_routes[];
extern const struct route remote_ops_routes[];
extern const struct route alarm_routes[];
extern const struct route operator_routes[];

static const struct route *const tables[] = {
    system_routes,    /* health, metrics, meta, client errors */
    auth_routes,      /* sign-in: password, sign-out, me */
    auth_mfa_routes,  /* second factor, enrolment, step-up */
    users_routes,     /* tenant admins manage users */
    audit_routes,     /* audit log search */
    grants_routes,    /* support grants */
    approvals_routes, /* dual control */
    notify_routes,    /* webhook for notices */
    password_routes,  /* password change and reset */
    tokens_routes,    /* API tokens for integrations */
    customers_routes, /* customer ledger (顧客台帳), supply points */
    import_routes,    /* ledger import from CSV (取込) */
    export_routes,    /* ledger export: CSV, Shift_JIS, XLSX (出力) */
    equipment_routes, /* contracts, meters, cylinders, appliances */
    lists_routes,     /* a customer's points; meters expiring (検定満期) */
    readings_import_routes, /* meter readings from CSV (検針値の取込) */
    remote_routes,          /* remote readings from ingest (internal) */
    periods_routes,         /* reading routes, periods, sheet (検針表) */
    readings_routes,        /* readings from handhelds and the office */
    review_routes,      /* 要確認リスト: confirm, correct, conflicts */
    readings_id_routes, /* one reading (after readings/review) */
    tariff_routes, /* 料金表, 原料費調整, 設備料金, billing settings */
    cost_formula_routes, /* 原料費調整 by formula, reference prices */
    billing_runs_routes, /* billing run (請求締め): preview, commit */
    invoices_routes,     /* invoices, corrections (赤黒訂正・調整) */
    statement_routes,    /* statements PDF, vendor CSV (明細書・出力) */
    slip_routes,         /* reading slip (検針票): JSON, 80 mm PDF */
    payments_routes,  /* receivables (債権), payments, cvs import (入金) */
    transfers_routes, /* bank transfers (振込) and their review list */
    dunning_routes,   /* overdue list, contact notes, steps (督促) */
    debit_routes,     /* direct debit requests, results (口座振替) */
    devices_routes,   /* monitoring devices, their events (集中監視) */
    device_events_internal_routes, /* device events from ingest */
    remote_ops_routes, /* remote shutoff/restore (遠隔遮断・復帰) */
    alarm_routes,      /* gas alarms, repair requests (警報・修理受付) */
    operator_routes,   /* platform console: tenants, status, backup */
    NULL,
};

struct router *
routes_build(void)
{
    struct router *rt = router_new();
    for (size_t i = 0; tables[i]; i++)
        router_add(rt, tables[i]);
    return rt;
}
