/*
 * err.c — the table behind enum err: stable code, HTTP status, Japanese
 * title. One row per value; the order of rows does not matter.
 */
#include "core/err.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct err_row {
    enum err e;
    const char *code;
    int status;
    const char *title;
};

static const struct err_row rows[] = {
    {ERR_OK, "ok", 200, "成功しました"},
    {ERR_INTERNAL, "internal", 500, "サーバー内部でエラーが発生しました"},
    {ERR_TOO_LARGE, "too_large", 413, "データが大きすぎます"},
    {ERR_INVALID, "invalid", 422, "入力内容に誤りがあります"},
    {ERR_NOT_FOUND, "not_found", 404, "対象が見つかりません"},
    {ERR_CONFLICT, "conflict", 409, "現在の状態と矛盾するため処理できません"},
    {ERR_IO, "io", 500, "ファイルの読み書きに失敗しました"},
    {ERR_CONFIG, "config", 500, "設定値に誤りがあります"},
    {ERR_UNAVAILABLE, "unavailable", 503, "一時的に利用できません"},
    {ERR_HTTP_NOT_FOUND, "http.not_found", 404, "ページが見つかりません"},
    {ERR_HTTP_METHOD, "http.method_not_allowed", 405,
     "この操作は許可されていません"},
    {ERR_HTTP_BODY_TOO_LARGE, "http.body_too_large", 413,
     "リクエスト本文が大きすぎます"},
    {ERR_HTTP_MEDIA_TYPE, "http.unsupported_media_type", 415,
     "対応していないデータ形式です"},
    {ERR_HTTP_BAD_JSON, "http.malformed_json", 400,
     "JSON の形式が正しくありません"},
    {ERR_HTTP_BAD_PATH, "http.bad_path", 400, "URL の形式が正しくありません"},
    {ERR_HTTP_SHUTTING_DOWN, "http.shutting_down", 503,
     "サーバーを停止中です。しばらくしてから再度お試しください"},
    {ERR_STORE, "store.error", 500, "データベースでエラーが発生しました"},
    {ERR_STORE_BUSY, "store.busy", 503,
     "データベースが混み合っています。再度お試しください"},
    {ERR_STORE_NEWER, "store.newer_schema", 500,
     "新しいバージョンで作成されたデータです"},
    {ERR_STORE_MIGRATION, "store.migration_failed", 500,
     "データベースの更新に失敗しました"},
    {ERR_STORE_CONSTRAINT, "store.constraint", 409,
     "登録済みのデータと矛盾します"},
    {ERR_STORE_MISMATCH, "store.tenant_mismatch", 500,
     "データファイルが事業者と一致しません"},
    {ERR_TENANT_CODE, "tenant.code_invalid", 422,
     "事業者コードが正しくありません"},
    {ERR_TENANT_CODE_TAKEN, "tenant.code_taken", 409,
     "この事業者コードは既に使われています"},
    {ERR_TENANT_NAME, "tenant.name_invalid", 422, "事業者名が正しくありません"},
    {ERR_TENANT_NOT_FOUND, "tenant.not_found", 404, "事業者が見つかりません"},
    {ERR_TENANT_PREFECTURE, "tenant.prefecture_invalid", 422,
     "都道府県名が正しくありません"},
    {ERR_AUTH_REQUIRED, "auth.required", 401, "ログインしてください"},
    {ERR_AUTH_FAILED, "auth.failed", 401,
     "事業者コード、ログインID、またはパスワードが正しくありません"},
    {ERR_AUTH_LOCKED, "auth.locked", 423,
     "ログインの失敗が続いたため、一時的にロックされています"},
    {ERR_AUTH_MFA_REQUIRED, "auth.mfa_required", 401,
     "ワンタイムコードを入力してください"},
    {ERR_AUTH_TOTP_INVALID, "auth.totp_invalid", 401,
     "ワンタイムコードが正しくありません"},
    {ERR_AUTH_TOTP_REPLAY, "auth.totp_replay", 401,
     "このワンタイムコードは使用済みです。次のコードをお待ちください"},
    {ERR_AUTH_FORBIDDEN, "auth.forbidden", 403,
     "この操作を行う権限がありません"},
    {ERR_AUTH_CSRF, "auth.csrf", 403,
     "画面の有効期限が切れました。再読み込みしてください"},
    {ERR_AUTH_PASSWORD_POLICY, "auth.password_policy", 422,
     "このパスワードは使用できません"},
    {ERR_AUTH_RATE_LIMITED, "auth.rate_limited", 429,
     "試行回数が多すぎます。しばらくしてから再度お試しください"},
    {ERR_AUTH_STEP_UP, "auth.step_up_required", 403,
     "この操作にはワンタイムコードの再入力が必要です"},
    {ERR_AUTH_ENROLL_REQUIRED, "auth.enroll_required", 403,
     "二段階認証の設定を完了してください"},
    {ERR_AUTH_USER_EXISTS, "auth.user_exists", 409,
     "このログインIDは既に使われています"},
    {ERR_AUTH_USER_NOT_FOUND, "auth.user_not_found", 404,
     "ユーザーが見つかりません"},
    {ERR_AUTH_DISABLED, "auth.disabled", 401,
     "事業者コード、ログインID、またはパスワードが正しくありません"},
    {ERR_AUTH_LOGIN_ID, "auth.login_id_invalid", 422,
     "ログインIDが正しくありません"},
    {ERR_AUTH_ROLE, "auth.role_invalid", 422, "役割が正しくありません"},
    {ERR_AUDIT_CHAIN, "audit.chain_broken", 500,
     "監査ログの改ざんを検出しました"},
    {ERR_CUSTOMER_NOT_FOUND, "customers.not_found", 404,
     "顧客が見つかりません"},
    {ERR_CUSTOMER_VERSION_CONFLICT, "customers.version_conflict", 409,
     "他の利用者が先に更新しました。最新の内容を確認してください"},
    {ERR_CUSTOMER_HAS_HISTORY, "customers.has_history", 409,
     "履歴のある顧客は削除できません"},
    {ERR_CUSTOMER_NUMBER_TAKEN, "customers.number_taken", 409,
     "この顧客番号は既に使われています"},
    {ERR_SUPPLY_POINT_NOT_FOUND, "customers.supply_point_not_found", 404,
     "供給地点が見つかりません"},
    {ERR_CUSTOMER_MOVE_DATE, "customers.move_date", 422,
     "入居日が現在の入居者の入居日より前です"},
    {ERR_CONTRACT_NOT_FOUND, "customers.contract_not_found", 404,
     "契約が見つかりません"},
    {ERR_METER_NOT_FOUND, "customers.meter_not_found", 404,
     "メーターが見つかりません"},
    {ERR_CYLINDER_NOT_FOUND, "customers.cylinder_not_found", 404,
     "容器設置が見つかりません"},
    {ERR_APPLIANCE_NOT_FOUND, "customers.appliance_not_found", 404,
     "消費機器が見つかりません"},
    {ERR_CONTRACT_OVERLAP, "customers.contract_overlap", 409,
     "この供給地点には期間の重なる契約があります"},
    {ERR_METER_INSTALLED, "customers.meter_installed", 409,
     "この供給地点には既にメーターが設置されています。交換として登録してくださ"
     "い"},
    {ERR_METER_EXCHANGE, "customers.meter_exchange", 422,
     "メーター交換の日付または指針が正しくありません"},
    {ERR_IMPORT_CHARSET, "import.charset", 422,
     "ファイルの文字コードを判別できません（UTF-8 または Shift_JIS）"},
    {ERR_IMPORT_FORMAT, "import.format", 422,
     "ファイルの形式が正しくありません"},
    {ERR_IMPORT_MAPPING, "import.mapping", 422,
     "列の対応付けが正しくありません"},
    {ERR_IMPORT_ROWS, "import.rows_invalid", 422,
     "エラーのある行があるため、取り込みを行いませんでした"},
    {ERR_PERIOD_NOT_FOUND, "metering.period_not_found", 404,
     "検針月が見つかりません"},
    {ERR_PERIOD_CLOSED, "metering.period_closed", 409,
     "この検針月は締め済みです。訂正は請求の訂正から行ってください"},
    {ERR_PERIOD_EXISTS, "metering.period_exists", 409,
     "この順路の検針月は既に開始されています"},
    {ERR_READING_NOT_FOUND, "metering.reading_not_found", 404,
     "検針データが見つかりません"},
    {ERR_READING_CONFLICT, "metering.reading_conflict", 409,
     "同じメーター・検針月に別の指針が登録済みです。事務所の確認待ちになりまし"
     "た"},
    {ERR_READING_IMPOSSIBLE, "metering.reading_impossible", 422,
     "指針が前回より小さいか、メーターの能力を超える使用量です"},
    {ERR_READING_NO_METER, "metering.no_meter", 409,
     "この供給地点にはメーターが設置されていません"},
    {ERR_IDEMPOTENCY_MISMATCH, "metering.idempotency_mismatch", 422,
     "同じ送信キーで別の内容が送られました"},
    {ERR_CONFLICT_NOT_FOUND, "metering.conflict_not_found", 404,
     "確認待ちの指針が見つかりません"},
    {ERR_TARIFF_NOT_FOUND, "billing.tariff_not_found", 404,
     "料金表が見つかりません"},
    {ERR_TARIFF_INVALID, "billing.tariff_invalid", 422,
     "料金表の内容が正しくありません"},
    {ERR_TARIFF_NO_PRICE, "billing.no_price", 422,
     "この日付に適用される料金表の版がありません"},
    {ERR_INVOICE_NOT_FOUND, "billing.invoice_not_found", 404,
     "請求書が見つかりません"},
    {ERR_BILLING_RUN_EXISTS, "billing.run_committed", 409,
     "この締め日・月の請求締めは確定済みです"},
    {ERR_BILLING_RUN_NOT_FOUND, "billing.run_not_found", 404,
     "請求締めが見つかりません"},
    {ERR_INVOICE_VOID, "billing.invoice_void", 409, "この請求書は訂正済みです"},
    {ERR_BILLING_NOTHING, "billing.nothing_to_bill", 422,
     "請求の対象になる検針がありません"},
    {ERR_SLIP_NO_CONTRACT, "billing.slip_no_contract", 422,
     "検針日に有効な契約がないため、検針票を発行できません"},
    {ERR_SLIP_NO_TARIFF, "billing.slip_no_tariff", 422,
     "契約に料金表がないため、検針票を発行できません"},
    {ERR_SLIP_NO_PRICE, "billing.slip_no_price", 422,
     "検針日に有効な料金表の版がないため、検針票を発行できません"},
    {ERR_SLIP_NO_USAGE, "billing.slip_no_usage", 422,
     "この検針には請求する使用量がないため、検針票を発行できません"},
    {ERR_SLIP_CORRECTED, "billing.slip_reading_corrected", 409,
     "訂正された検針のため、検針票を発行できません"},
    {ERR_COST_FORMULA_NONE, "billing.cost_formula_none", 409,
     "原料費調整の計算式が設定されていません"},
    {ERR_COST_REFERENCE_MISSING, "billing.cost_reference_missing", 422,
     "原料費調整の計算に必要な参照価格が登録されていません"},
    {ERR_INTERNAL_AUTH, "internal.unauthorized", 401,
     "内部連携の認証に失敗しました"},
};

static const struct err_row *
find(enum err e)
{
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (rows[i].e == e)
            return &rows[i];
    return &rows[1]; /* ERR_INTERNAL */
}

const char *
err_code(enum err e)
{
    return find(e)->code;
}

const char *
err_title(enum err e)
{
    return find(e)->title;
}

int
err_http_status(enum err e)
{
    return find(e)->status;
}

static _Thread_local char detail[512];

enum err
err_fail(enum err e, const char *fmt, ...)
{
    /* format aside first: callers may pass err_detail() as an argument */
    char tmp[sizeof(detail)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    memcpy(detail, tmp, sizeof(detail));
    return e;
}

const char *
err_detail(void)
{
    return detail;
}

void
err_clear(void)
{
    detail[0] = '\0';
}
