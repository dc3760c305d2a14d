/*
 * test_err.c — tests src/core/err.c: the error table and the per-thread
 * detail.
 *
 * Every value of enum err (listed here by hand, so a new value without a
 * table row is noticed when it is added to this list) must have its own
 * stable code string, a Japanese title and an HTTP status that is an error
 * status (200 only for ERR_OK). err_fail() records a detail for the calling
 * thread only; err_clear() forgets it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/json.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

static const enum err all_errors[] = {
    ERR_OK,
    ERR_INTERNAL,
    ERR_TOO_LARGE,
    ERR_INVALID,
    ERR_NOT_FOUND,
    ERR_CONFLICT,
    ERR_IO,
    ERR_CONFIG,
    ERR_UNAVAILABLE,
    ERR_HTTP_NOT_FOUND,
    ERR_HTTP_METHOD,
    ERR_HTTP_BODY_TOO_LARGE,
    ERR_HTTP_MEDIA_TYPE,
    ERR_HTTP_BAD_JSON,
    ERR_HTTP_BAD_PATH,
    ERR_HTTP_SHUTTING_DOWN,
    ERR_STORE,
    ERR_STORE_BUSY,
    ERR_STORE_NEWER,
    ERR_STORE_MIGRATION,
    ERR_STORE_CONSTRAINT,
    ERR_STORE_MISMATCH,
    ERR_TENANT_CODE,
    ERR_TENANT_CODE_TAKEN,
    ERR_TENANT_NAME,
    ERR_TENANT_NOT_FOUND,
    ERR_TENANT_PREFECTURE,
    ERR_AUTH_REQUIRED,
    ERR_AUTH_FAILED,
    ERR_AUTH_LOCKED,
    ERR_AUTH_MFA_REQUIRED,
    ERR_AUTH_TOTP_INVALID,
    ERR_AUTH_TOTP_REPLAY,
    ERR_AUTH_FORBIDDEN,
    ERR_AUTH_CSRF,
    ERR_AUTH_PASSWORD_POLICY,
    ERR_AUTH_RATE_LIMITED,
    ERR_AUTH_STEP_UP,
    ERR_AUTH_ENROLL_REQUIRED,
    ERR_AUTH_USER_EXISTS,
    ERR_AUTH_USER_NOT_FOUND,
    ERR_AUTH_DISABLED,
    ERR_AUTH_LOGIN_ID,
    ERR_AUTH_ROLE,
    ERR_AUDIT_CHAIN,
    ERR_CUSTOMER_NOT_FOUND,
    ERR_CUSTOMER_VERSION_CONFLICT,
    ERR_CUSTOMER_HAS_HISTORY,
    ERR_CUSTOMER_NUMBER_TAKEN,
    ERR_SUPPLY_POINT_NOT_FOUND,
    ERR_CUSTOMER_MOVE_DATE,
    ERR_CONTRACT_NOT_FOUND,
    ERR_METER_NOT_FOUND,
    ERR_CYLINDER_NOT_FOUND,
    ERR_APPLIANCE_NOT_FOUND,
    ERR_CONTRACT_OVERLAP,
    ERR_METER_INSTALLED,
    ERR_METER_EXCHANGE,
    ERR_IMPORT_CHARSET,
    ERR_IMPORT_FORMAT,
    ERR_IMPORT_MAPPING,
    ERR_IMPORT_ROWS,
    ERR_PERIOD_NOT_FOUND,
    ERR_PERIOD_CLOSED,
    ERR_PERIOD_EXISTS,
    ERR_READING_NOT_FOUND,
    ERR_READING_CONFLICT,
    ERR_READING_IMPOSSIBLE,
    ERR_READING_NO_METER,
    ERR_IDEMPOTENCY_MISMATCH,
    ERR_CONFLICT_NOT_FOUND,
    ERR_INTERNAL_AUTH,
    ERR_TARIFF_NOT_FOUND,
    ERR_TARIFF_INVALID,
    ERR_TARIFF_NO_PRICE,
    ERR_INVOICE_NOT_FOUND,
    ERR_BILLING_RUN_EXISTS,
    ERR_BILLING_RUN_NOT_FOUND,
    ERR_INVOICE_VOID,
    ERR_BILLING_NOTHING,
    ERR_SLIP_NO_CONTRACT,
    ERR_SLIP_NO_TARIFF,
    ERR_SLIP_NO_PRICE,
    ERR_SLIP_NO_USAGE,
    ERR_SLIP_CORRECTED,
    ERR_COST_FORMULA_NONE,
    ERR_COST_REFERENCE_MISSING,
    ERR_ZENGIN_KANA,
    ERR_ZENGIN_FIELD,
    ERR_ZENGIN_FORMAT,
    ERR_PAYMENT_NOT_FOUND,
    ERR_PAYMENT_REVERSED,
    ERR_PAYMENT_DUPLICATE,
    ERR_PAYMENT_INVOICE_MISMATCH,
    ERR_REFUND_EXCEEDS_CREDIT,
    ERR_TRANSFER_NOT_FOUND,
    ERR_TRANSFER_RESOLVED,
    ERR_DEBIT_RESULT_CODE,
    ERR_FOLLOWUP_NOT_FOUND,
    ERR_FOLLOWUP_CLOSED,
    ERR_DUNNING_STEP_ORDER,
    ERR_DUNNING_NOT_OVERDUE,
    ERR_DEBIT_REQUEST_NOT_FOUND,
    ERR_DEBIT_SETTINGS_MISSING,
    ERR_DEBIT_NOTHING,
    ERR_DEBIT_RESULT_MISMATCH,
    ERR_DEBIT_RESULT_IMPORTED,
    ERR_DEBIT_REQUEST_CANCELLED,
    ERR_DEBIT_FILE_NOT_FOUND,
    ERR_VAULT_UNAUTHORIZED,
    ERR_VAULT_BAD_NAME,
    ERR_VAULT_OBJECT_EXISTS,
    ERR_VAULT_HASH_MISMATCH,
    ERR_VAULT_OBJECT_NOT_FOUND,
    ERR_VAULT_MANIFEST_EXISTS,
    ERR_VAULT_MANIFEST_GAP,
    ERR_VAULT_MANIFEST_NOT_FOUND,
    ERR_VAULT_MANIFEST_INVALID,
    ERR_VAULT_SIGNATURE,
    ERR_VAULT_UNAVAILABLE,
    ERR_BACKUP_FORMAT,
    ERR_BACKUP_DECRYPT,
    ERR_BACKUP_WRONG_KEY,
    ERR_BACKUP_KEYS_EXIST,
    ERR_BACKUP_KEYS_MISSING,
    ERR_BACKUP_KIT_INVALID,
    ERR_SHIP_STATE,
    ERR_RESTORE_NO_BACKUP,
    ERR_RESTORE_INTEGRITY,
    ERR_RESTORE_AUDIT,
    ERR_RESTORE_FAILED,
    ERR_RESTORE_TARGET,
    ERR_DRILL_MISMATCH,
    ERR_JOURNAL_CORRUPT,
    ERR_JOURNAL_GAP,
    ERR_CAPTURE_FAILED,
    ERR_CAPTURE_UNAVAILABLE,
    ERR_CAPTURE_OUTSIDE_TX,
    ERR_REPLAY_CONFLICT,
    ERR_REPLAY_BASE,
    ERR_SNAPSHOT_NOT_FOUND,
    ERR_DEVICE_NOT_FOUND,
    ERR_DEVICE_EXISTS,
    ERR_DEVICE_RETIRED,
    ERR_DEVICE_LINK,
    ERR_DEVICE_SEAL_KEY_MISSING,
    ERR_DEVICE_KEY_UNREADABLE,
    ERR_INGEST_HEADERS,
    ERR_INGEST_UNKNOWN_DEVICE,
    ERR_INGEST_DEVICE_RETIRED,
    ERR_INGEST_SIGNATURE,
    ERR_INGEST_TIMESTAMP,
    ERR_INGEST_REPLAY,
    ERR_INGEST_BATCH_INVALID,
    ERR_INGEST_LOG_UNAVAILABLE,
    ERR_INGEST_LOG_CORRUPT,
    ERR_ALARM_NOT_FOUND,
    ERR_ALARM_STATE,
    ERR_REPAIR_NOT_FOUND,
    ERR_REPAIR_STATE,
    ERR_ALARM_PAGE_SIGNIN,
    ERR_ALARM_PAGE_THROTTLED,
    ERR_ALARM_PAGE_SESSION,
    ERR_REMOTE_OP_NOT_FOUND,
    ERR_REMOTE_OP_CAP,
    ERR_REMOTE_OP_SELF,
    ERR_REMOTE_OP_STATE,
    ERR_REMOTE_OP_EXPIRED,
    ERR_REMOTE_OP_BUSY,
    ERR_REMOTE_OP_DEVICE,
    ERR_MQTT_ENVELOPE,
    ERR_BANK_STATEMENT_FORMAT,
    ERR_CVS_BARCODE,
    ERR_IDEMPOTENCY_KEY_REUSED,
};

#define NERRORS (sizeof(all_errors) / sizeof(all_errors[0]))

static void
test_every_error_has_a_unique_code(void **state)
{
    (void)state;
    for (size_t i = 0; i < NERRORS; i++) {
        const char *code = err_code(all_errors[i]);
        assert_non_null(code);
        assert_true(strlen(code) > 0);
        /* Only lower-case letters, '.' and '_': codes are API surface. */
        assert_int_equal(strspn(code, "abcdefghijklmnopqrstuvwxyz._"),
                         strlen(code));
        for (size_t k = 0; k < i; k++)
            if (strcmp(code, err_code(all_errors[k])) == 0)
                fail_msg("errors %d and %d share the code '%s'",
                         (int)all_errors[k], (int)all_errors[i], code);
    }
}

static void
test_non_ok_errors_do_not_fall_back_to_internal(void **state)
{
    (void)state;
    /* A value without a row reads as ERR_INTERNAL; only it may say so. */
    for (size_t i = 0; i < NERRORS; i++)
        if (all_errors[i] != ERR_INTERNAL &&
            strcmp(err_code(all_errors[i]), "internal") == 0)
            fail_msg("error %d has no row in the table", (int)all_errors[i]);
}

static bool
has_non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

static void
test_every_error_has_a_japanese_title(void **state)
{
    (void)state;
    for (size_t i = 0; i < NERRORS; i++) {
        const char *title = err_title(all_errors[i]);
        assert_non_null(title);
        assert_true(strlen(title) > 0);
        assert_true(has_non_ascii(title));
        assert_int_not_equal(utf8_chars(title), SIZE_MAX);
    }
}

static void
test_every_error_maps_to_an_error_status(void **state)
{
    (void)state;
    assert_int_equal(err_http_status(ERR_OK), 200);
    for (size_t i = 0; i < NERRORS; i++) {
        if (all_errors[i] == ERR_OK)
            continue;
        int status = err_http_status(all_errors[i]);
        if (status < 400 || status > 599)
            fail_msg("error %s maps to %d", err_code(all_errors[i]), status);
    }
}

static void
test_known_statuses_are_as_documented(void **state)
{
    (void)state;
    assert_int_equal(err_http_status(ERR_HTTP_NOT_FOUND), 404);
    assert_int_equal(err_http_status(ERR_HTTP_METHOD), 405);
    assert_int_equal(err_http_status(ERR_HTTP_BODY_TOO_LARGE), 413);
    assert_int_equal(err_http_status(ERR_HTTP_BAD_JSON), 400);
    assert_int_equal(err_http_status(ERR_INVALID), 422);
    assert_int_equal(err_http_status(ERR_INTERNAL), 500);
    assert_string_equal(err_code(ERR_HTTP_BODY_TOO_LARGE),
                        "http.body_too_large");
}

static void
test_unknown_value_maps_to_internal(void **state)
{
    (void)state;
    enum err unknown = (enum err)9999;
    assert_string_equal(err_code(unknown), "internal");
    assert_int_equal(err_http_status(unknown), 500);
    assert_string_equal(err_title(unknown), err_title(ERR_INTERNAL));
}

static void
test_fail_returns_error_and_sets_detail(void **state)
{
    (void)state;
    err_clear();
    assert_string_equal(err_detail(), "");
    enum err rc = err_fail(ERR_CONFIG, "--%s: %d is bad", "port", 70000);
    assert_int_equal(rc, ERR_CONFIG);
    assert_string_equal(err_detail(), "--port: 70000 is bad");
    err_fail(ERR_IO, "second");
    assert_string_equal(err_detail(), "second"); /* the last one wins */
}

static void
test_clear_forgets_detail(void **state)
{
    (void)state;
    err_fail(ERR_IO, "something");
    err_clear();
    assert_string_equal(err_detail(), "");
}

static void
test_long_detail_is_truncated_not_overflowed(void **state)
{
    (void)state;
    char big[2000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    err_fail(ERR_INTERNAL, "%s", big);
    size_t n = strlen(err_detail());
    assert_true(n > 0 && n < sizeof(big) - 1);
    err_clear();
}

static void *
detail_in_thread(void *arg)
{
    const char **seen = arg;
    *seen = err_detail()[0] ? "not empty" : "empty";
    err_fail(ERR_IO, "from the other thread");
    return NULL;
}

static void
test_detail_belongs_to_the_calling_thread(void **state)
{
    (void)state;
    const char *seen = NULL;
    err_fail(ERR_IO, "main thread");
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, detail_in_thread, &seen), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_string_equal(seen, "empty");
    assert_string_equal(err_detail(), "main thread");
    err_clear();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_error_has_a_unique_code),
        cmocka_unit_test(test_non_ok_errors_do_not_fall_back_to_internal),
        cmocka_unit_test(test_every_error_has_a_japanese_title),
        cmocka_unit_test(test_every_error_maps_to_an_error_status),
        cmocka_unit_test(test_known_statuses_are_as_documented),
        cmocka_unit_test(test_unknown_value_maps_to_internal),
        cmocka_unit_test(test_fail_returns_error_and_sets_detail),
        cmocka_unit_test(test_clear_forgets_detail),
        cmocka_unit_test(test_long_detail_is_truncated_not_overflowed),
        cmocka_unit_test(test_detail_belongs_to_the_calling_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
