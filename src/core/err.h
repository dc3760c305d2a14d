/*
 * err.h — the one error vocabulary.
 *
 * Every function that can fail returns enum err; 0 is success. Values are
 * grouped in numbered ranges per module and NEVER change once released: the
 * API exposes each one as a stable string `code` (err_code()), clients and
 * operators key on it. Add new values at the end of a range; never reuse.
 *
 *   1–99     general (request shape, limits, internal)
 *   100–199  HTTP layer
 *   200–299  stores and migrations
 *   300–399  tenants
 *   400–499  identity and access (auth)
 *   500–599  audit
 *   600–699  customers (顧客台帳) and supply points
 *   700–799  meter reading (検針)
 *   800–899  tariffs and billing (料金・請求)
 *   900–     later modules take the next ranges
 *
 * The human detail (field, line, value) travels beside the code: err_fail()
 * records it for the current thread, err_detail() reads it back, and the one
 * mapping to HTTP (http/problem.c) or to a CLI message uses both.
 */
#ifndef PL_CORE_ERR_H
#define PL_CORE_ERR_H

enum err {
    ERR_OK = 0,
    /* general */
    ERR_INTERNAL = 1,    /* a bug or an unexpected system failure */
    ERR_TOO_LARGE = 2,   /* a bounded buffer or input is over its limit */
    ERR_INVALID = 3,     /* input failed validation (see field errors) */
    ERR_NOT_FOUND = 4,   /* the thing named does not exist */
    ERR_CONFLICT = 5,    /* the change clashes with current state */
    ERR_IO = 6,          /* a file or socket operation failed */
    ERR_CONFIG = 7,      /* bad flag, environment variable or config value */
    ERR_UNAVAILABLE = 8, /* a dependency (store, disk) is not reachable */
    /* HTTP */
    ERR_HTTP_NOT_FOUND = 100,      /* no route for this path */
    ERR_HTTP_METHOD = 101,         /* route exists, method does not */
    ERR_HTTP_BODY_TOO_LARGE = 102, /* request body over the route's limit */
    ERR_HTTP_MEDIA_TYPE = 103,     /* Content-Type not accepted */
    ERR_HTTP_BAD_JSON = 104,       /* body is not well-formed JSON */
    ERR_HTTP_BAD_PATH = 105,       /* path cannot be decoded safely */
    ERR_HTTP_SHUTTING_DOWN = 106,  /* server is draining */
    /* stores */
    ERR_STORE = 200,            /* SQLite reported an error */
    ERR_STORE_BUSY = 201,       /* locked past the busy timeout */
    ERR_STORE_NEWER = 202,      /* written by a newer pilotlight */
    ERR_STORE_MIGRATION = 203,  /* a migration failed; nothing applied */
    ERR_STORE_CONSTRAINT = 204, /* a UNIQUE/CHECK/FK constraint refused */
    ERR_STORE_MISMATCH = 205,   /* the file belongs to another tenant */
    /* tenants */
    ERR_TENANT_CODE = 300,       /* tenant code malformed */
    ERR_TENANT_CODE_TAKEN = 301, /* tenant code already used */
    ERR_TENANT_NAME = 302,       /* tenant name malformed */
    ERR_TENANT_NOT_FOUND = 303,  /* no tenant with that code or id */
    ERR_TENANT_PREFECTURE = 304, /* not one of the 47 prefectures */
    /* identity and access */
    ERR_AUTH_REQUIRED = 400,        /* no valid session or token */
    ERR_AUTH_FAILED = 401,          /* wrong tenant, login or password */
    ERR_AUTH_LOCKED = 402,          /* account locked after failures */
    ERR_AUTH_MFA_REQUIRED = 403,    /* password ok; TOTP step pending */
    ERR_AUTH_TOTP_INVALID = 404,    /* wrong one-time code */
    ERR_AUTH_TOTP_REPLAY = 405,     /* code already used (or older) */
    ERR_AUTH_FORBIDDEN = 406,       /* role lacks the permission */
    ERR_AUTH_CSRF = 407,            /* missing or wrong CSRF token */
    ERR_AUTH_PASSWORD_POLICY = 408, /* new password refused by policy */
    ERR_AUTH_RATE_LIMITED = 409,    /* too many attempts from a source */
    ERR_AUTH_STEP_UP = 410,         /* fresh TOTP needed for this action */
    ERR_AUTH_ENROLL_REQUIRED = 411, /* second factor not set up yet */
    ERR_AUTH_USER_EXISTS = 412,     /* login id already used */
    ERR_AUTH_USER_NOT_FOUND = 413,  /* no such user in this tenant */
    ERR_AUTH_DISABLED = 414,        /* user disabled by an admin */
    ERR_AUTH_LOGIN_ID = 415,        /* login id malformed */
    ERR_AUTH_ROLE = 416,            /* unknown role */
    /* audit */
    ERR_AUDIT_CHAIN = 500, /* the audit chain does not verify */
    /* customers */
    ERR_CUSTOMER_NOT_FOUND = 600,        /* no such customer in this tenant */
    ERR_CUSTOMER_VERSION_CONFLICT = 601, /* If-Match names an old version */
    ERR_CUSTOMER_HAS_HISTORY = 602,      /* used: cannot be deleted */
    ERR_CUSTOMER_NUMBER_TAKEN = 603,     /* 顧客番号 already used */
    ERR_SUPPLY_POINT_NOT_FOUND = 604,    /* no such supply point */
    ERR_CUSTOMER_MOVE_DATE = 605,        /* move before current move-in */
    ERR_CONTRACT_NOT_FOUND = 606,        /* no such contract (契約) */
    ERR_METER_NOT_FOUND = 607,           /* no such meter */
    ERR_CYLINDER_NOT_FOUND = 608,        /* no such cylinder set-up */
    ERR_APPLIANCE_NOT_FOUND = 609,       /* no such appliance (消費機器) */
    ERR_CONTRACT_OVERLAP = 610, /* dates overlap another contract there */
    ERR_METER_INSTALLED = 611,  /* the point already has a meter */
    ERR_METER_EXCHANGE = 612,   /* exchange indexes/dates do not add up */
    ERR_IMPORT_CHARSET = 620,   /* file is neither UTF-8 nor Shift_JIS */
    ERR_IMPORT_FORMAT = 621,    /* not CSV/XLSX as described (quotes...) */
    ERR_IMPORT_MAPPING = 622,   /* column mapping names unknown things */
    ERR_IMPORT_ROWS = 623,      /* rows failed validation: nothing done */
    /* meter reading (検針) */
    ERR_PERIOD_NOT_FOUND = 700,     /* no such reading period */
    ERR_PERIOD_CLOSED = 701,        /* the period is closed (billed) */
    ERR_PERIOD_EXISTS = 702,        /* route already has that month */
    ERR_READING_NOT_FOUND = 703,    /* no such reading */
    ERR_READING_CONFLICT = 704,     /* a different value is already there */
    ERR_READING_IMPOSSIBLE = 705,   /* negative usage, over capacity... */
    ERR_READING_NO_METER = 706,     /* no meter installed at the point */
    ERR_IDEMPOTENCY_MISMATCH = 707, /* key reused with another request */
    ERR_CONFLICT_NOT_FOUND = 708,   /* no such open reading conflict */
    ERR_INTERNAL_AUTH = 709,        /* internal endpoint: bad credentials */
    /* tariffs and billing (料金・請求) */
    ERR_TARIFF_NOT_FOUND = 800,      /* no such tariff */
    ERR_TARIFF_INVALID = 801,        /* bands/fees break the tariff rules */
    ERR_TARIFF_NO_PRICE = 802,       /* no version in force on the date */
    ERR_INVOICE_NOT_FOUND = 803,     /* no such invoice */
    ERR_BILLING_RUN_EXISTS = 804,    /* committed already for group+month */
    ERR_BILLING_RUN_NOT_FOUND = 805, /* no such billing run */
    ERR_INVOICE_VOID = 806,          /* the invoice was corrected already */
    ERR_BILLING_NOTHING = 807,       /* nothing to bill for group+month */
    /* the reading slip (検針票): why a reading cannot be priced */
    ERR_SLIP_NO_CONTRACT = 810,  /* no contract on the reading date */
    ERR_SLIP_NO_TARIFF = 811,    /* the contract has no tariff */
    ERR_SLIP_NO_PRICE = 812,     /* no tariff version on the reading date */
    ERR_SLIP_NO_USAGE = 813,     /* no usage to bill (first reading...) */
    ERR_SLIP_CORRECTED = 814,    /* the reading was corrected (訂正) */
    ERR_COST_FORMULA_NONE = 820, /* no 原料費調整 formula set */
    ERR_COST_REFERENCE_MISSING = 821, /* a month's reference prices absent */
};

/* The stable string code, e.g. "http.body_too_large". Never NULL. */
const char *err_code(enum err e);
/* The Japanese title shown to users, e.g. "リクエスト本文が大きすぎます". */
const char *err_title(enum err e);
/* The HTTP status this error maps to (500 for unknown values). */
int err_http_status(enum err e);

/* Record a human detail for the current thread and return e. */
enum err err_fail(enum err e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The last detail recorded on this thread ("" if none). */
const char *err_detail(void);
/* Forget the detail (start of each request or command). */
void err_clear(void);

#endif
