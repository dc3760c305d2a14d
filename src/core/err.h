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
 *   900–949  payments (入金・債権): 900–919 Zengin (全銀) files,
 *            920–949 receivables and debits
 *   950–999  backup and recovery (vault.*, backup.*): 950–979 the vault,
 *            sealed objects, manifests and keys; 980–999 backup/restore
 *   1000–1099 monitoring (集中監視): 1000–1049 devices and ingest
 *            (device.*, ingest.*), 1050–1079 alarms, 1080–1099 remote
 *            operations and MQTT (remote_op.*, mqtt.*)
 *   1100–1119 payments, continued (bank statements, barcodes, retries)
 *   1120–    later modules take the next ranges
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
    /* payments (入金・債権): Zengin (全銀) direct-debit files */
    ERR_ZENGIN_KANA = 900,   /* a name has a character no bank takes, or is
                                longer than its field */
    ERR_ZENGIN_FIELD = 901,  /* a debit request value is malformed (code
                                not digits, amount out of range...) */
    ERR_ZENGIN_FORMAT = 902, /* a result file breaks the record layout */
    /* payments: the receivables ledger, transfers, debits, dunning */
    ERR_PAYMENT_NOT_FOUND = 920,        /* no such ledger entry */
    ERR_PAYMENT_REVERSED = 921,         /* reversed already, or a reversal */
    ERR_PAYMENT_DUPLICATE = 922,        /* source key posted with other
                                           content */
    ERR_PAYMENT_INVOICE_MISMATCH = 923, /* the invoice is another
                                           customer's */
    ERR_REFUND_EXCEEDS_CREDIT = 924,    /* refund over the credit (前受) */
    ERR_TRANSFER_NOT_FOUND = 925,       /* no such bank transfer */
    ERR_TRANSFER_RESOLVED = 926,        /* matched/assigned/dismissed */
    ERR_DEBIT_RESULT_CODE = 927,        /* not a Zengin result code */
    ERR_FOLLOWUP_NOT_FOUND = 928,       /* no such payment follow-up */
    ERR_FOLLOWUP_CLOSED = 929,          /* the follow-up is done already */
    ERR_DUNNING_STEP_ORDER = 930,  /* step out of order (督促の手順) */
    ERR_DUNNING_NOT_OVERDUE = 931, /* nothing overdue to dun for */
    /* payments: direct debit requests (口座振替依頼) and their results */
    ERR_DEBIT_REQUEST_NOT_FOUND = 932, /* no such debit request */
    ERR_DEBIT_SETTINGS_MISSING = 933,  /* collection contract (委託者) not
                                          set: requester code, bank... */
    ERR_DEBIT_NOTHING = 934,           /* no invoice could be requested */
    ERR_DEBIT_RESULT_MISMATCH = 935,   /* a result file does not answer the
                                          request (line and field named) */
    ERR_DEBIT_RESULT_IMPORTED = 936,   /* results imported already, with
                                          other codes (or cancel refused) */
    ERR_DEBIT_REQUEST_CANCELLED = 937, /* the request was cancelled */
    ERR_DEBIT_FILE_NOT_FOUND = 938,    /* no such file in the request */
    /* backup and recovery: the vault, sealed objects, manifests, keys */
    ERR_VAULT_UNAUTHORIZED = 950,       /* no or wrong vault bearer token */
    ERR_VAULT_BAD_NAME = 951,           /* object hash or store id malformed */
    ERR_VAULT_OBJECT_EXISTS = 952,      /* the object is stored already */
    ERR_VAULT_HASH_MISMATCH = 953,      /* BLAKE2b of the bytes != name */
    ERR_VAULT_OBJECT_NOT_FOUND = 954,   /* no object with that name */
    ERR_VAULT_MANIFEST_EXISTS = 955,    /* that sequence is stored already */
    ERR_VAULT_MANIFEST_GAP = 956,       /* sequence is not last + 1 */
    ERR_VAULT_MANIFEST_NOT_FOUND = 957, /* no such store or sequence */
    ERR_VAULT_MANIFEST_INVALID = 958,   /* not a well-formed manifest */
    ERR_VAULT_SIGNATURE = 959,          /* signature does not verify */
    ERR_VAULT_UNAVAILABLE = 960,        /* vault unreachable after retries */
    ERR_BACKUP_FORMAT = 961,            /* not a sealed object (header...) */
    ERR_BACKUP_DECRYPT = 962,           /* authentication failed: tampered */
    ERR_BACKUP_WRONG_KEY = 963,         /* sealed under another data key */
    ERR_BACKUP_KEYS_EXIST = 964,        /* keys init/import would overwrite */
    ERR_BACKUP_KEYS_MISSING = 965,      /* no keys in DATA/keys */
    ERR_BACKUP_KIT_INVALID = 966,       /* recovery kit unreadable/checksum */
    /* backup and recovery: shipping, restore, drill */
    ERR_SHIP_STATE = 967,        /* the shipper's per-vault state is damaged */
    ERR_RESTORE_NO_BACKUP = 968, /* no manifest fits the store or --at */
    ERR_RESTORE_INTEGRITY = 969, /* PRAGMA integrity_check failed */
    ERR_RESTORE_AUDIT = 970,     /* audit chain differs from the manifest */
    ERR_RESTORE_FAILED = 971,    /* one or more stores were not restored */
    ERR_RESTORE_TARGET = 972,    /* the target exists and is not empty */
    ERR_DRILL_MISMATCH = 973,    /* restored and live checksums differ */
    /* backup and recovery: change capture, journal, snapshots, replay */
    ERR_JOURNAL_CORRUPT = 980,     /* a journal frame does not check */
    ERR_JOURNAL_GAP = 981,         /* journal sequence numbers break */
    ERR_CAPTURE_FAILED = 982,      /* committed, but neither journaled
                                      nor covered by a snapshot */
    ERR_CAPTURE_UNAVAILABLE = 983, /* writes refused: the journal cannot
                                      be written until it heals */
    ERR_CAPTURE_OUTSIDE_TX = 984,  /* a write outside store_tx_begin */
    ERR_REPLAY_CONFLICT = 985,     /* a changeset does not apply exactly */
    ERR_REPLAY_BASE = 986,         /* records cannot reach the target
                                      from this snapshot */
    ERR_SNAPSHOT_NOT_FOUND = 987,  /* no snapshot fits the request */
    /* monitoring (集中監視): the device registry */
    ERR_DEVICE_NOT_FOUND = 1000,        /* no such device in this tenant */
    ERR_DEVICE_EXISTS = 1001,           /* the device id is registered */
    ERR_DEVICE_RETIRED = 1002,          /* the device was retired */
    ERR_DEVICE_LINK = 1003,             /* meter/appliance does not carry
                                           the device id in the ledger */
    ERR_DEVICE_SEAL_KEY_MISSING = 1004, /* ingest has not made its key */
    ERR_DEVICE_KEY_UNREADABLE = 1005,   /* a stored key does not open */
    /* monitoring: batches posted to ingest */
    ERR_INGEST_HEADERS = 1010,         /* X-Device-Id/-Timestamp/-Signature
                                          missing or malformed */
    ERR_INGEST_UNKNOWN_DEVICE = 1011,  /* the device is not registered */
    ERR_INGEST_DEVICE_RETIRED = 1012,  /* the device was retired */
    ERR_INGEST_SIGNATURE = 1013,       /* the HMAC does not verify */
    ERR_INGEST_TIMESTAMP = 1014,       /* X-Timestamp outside the window */
    ERR_INGEST_REPLAY = 1015,          /* the same signed batch again */
    ERR_INGEST_BATCH_INVALID = 1016,   /* the batch breaks the schema */
    ERR_INGEST_LOG_UNAVAILABLE = 1017, /* the log cannot be written */
    ERR_INGEST_LOG_CORRUPT = 1018,     /* a log record fails its check */
    /* monitoring: remote shutoff and restore (遠隔遮断・復帰), MQTT */
    ERR_REMOTE_OP_NOT_FOUND = 1080,  /* no such remote operation */
    ERR_REMOTE_OP_CAP = 1081,        /* the tenant's hourly shutoff cap */
    ERR_REMOTE_OP_SELF = 1082,       /* the requester cannot approve */
    ERR_REMOTE_OP_STATE = 1083,      /* not in a state that allows it */
    ERR_REMOTE_OP_EXPIRED = 1084,    /* past its deadline */
    ERR_REMOTE_OP_BUSY = 1085,       /* the device has one in flight */
    ERR_REMOTE_OP_DEVICE = 1086,     /* not an active smart meter */
    ERR_MQTT_ENVELOPE = 1087,        /* MQTT payload not ts LF sig LF body */
    ERR_ALARM_NOT_FOUND = 1050,      /* no such alarm in this tenant */
    ERR_ALARM_STATE = 1051,          /* the move is not allowed from here */
    ERR_REPAIR_NOT_FOUND = 1052,     /* no such repair request */
    ERR_REPAIR_STATE = 1053,         /* the move is not allowed from here */
    ERR_ALARM_PAGE_SIGNIN = 1054,    /* ingest page: code did not verify */
    ERR_ALARM_PAGE_THROTTLED = 1055, /* ingest page: too many attempts */
    ERR_ALARM_PAGE_SESSION = 1056,   /* ingest page: not signed in */
    /* payments, continued (1100–1119): bank statements, convenience-store
       barcodes, retried requests */
    ERR_BANK_STATEMENT_FORMAT = 1100, /* a 振込入金通知 / 入出金取引明細
                                         file breaks the record layout */
    ERR_CVS_BARCODE = 1101,           /* a GS1-128 収納代行 barcode is
                                         malformed or its check digit wrong */
    ERR_IDEMPOTENCY_KEY_REUSED = 1102, /* Idempotency-Key sent before with
                                          another request body */
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
