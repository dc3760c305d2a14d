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
    {ERR_ZENGIN_KANA, "payments.zengin_kana", 422,
     "口座振替データの名前に全銀ファイルで使えない文字があるか、長すぎます"},
    {ERR_ZENGIN_FIELD, "payments.zengin_field", 422,
     "口座振替データの項目に誤りがあります"},
    {ERR_ZENGIN_FORMAT, "payments.zengin_format", 422,
     "全銀ファイルの形式が正しくありません"},
    {ERR_PAYMENT_NOT_FOUND, "payments.entry_not_found", 404,
     "入金・調整の記録が見つかりません"},
    {ERR_PAYMENT_REVERSED, "payments.entry_reversed", 409,
     "この記録は取消済みか、取消の記録のため取り消せません"},
    {ERR_PAYMENT_DUPLICATE, "payments.duplicate", 409,
     "同じ識別番号で別の内容の入金が記録されています"},
    {ERR_PAYMENT_INVOICE_MISMATCH, "payments.invoice_mismatch", 422,
     "請求書が指定の顧客のものではありません"},
    {ERR_REFUND_EXCEEDS_CREDIT, "payments.refund_exceeds_credit", 422,
     "返金額が前受金の残高を超えています"},
    {ERR_TRANSFER_NOT_FOUND, "payments.transfer_not_found", 404,
     "振込の記録が見つかりません"},
    {ERR_TRANSFER_RESOLVED, "payments.transfer_resolved", 409,
     "この振込は処理済みです"},
    {ERR_DEBIT_RESULT_CODE, "payments.debit_result_code", 422,
     "口座振替の結果コードが正しくありません"},
    {ERR_FOLLOWUP_NOT_FOUND, "payments.followup_not_found", 404,
     "対応事項が見つかりません"},
    {ERR_FOLLOWUP_CLOSED, "payments.followup_closed", 409,
     "この対応事項は完了済みです"},
    {ERR_DUNNING_STEP_ORDER, "payments.dunning_step_order", 409,
     "督促の手順が前後しています。前の段階を先に記録してください"},
    {ERR_DUNNING_NOT_OVERDUE, "payments.not_overdue", 409,
     "支払期限を過ぎた未収金がないため、督促の手順を記録できません"},
    {ERR_DEBIT_REQUEST_NOT_FOUND, "payments.debit_request_not_found", 404,
     "口座振替依頼が見つかりません"},
    {ERR_DEBIT_SETTINGS_MISSING, "payments.debit_settings_missing", 409,
     "口座振替の委託者情報（委託者コード・取引銀行など）が設定されていません"},
    {ERR_DEBIT_NOTHING, "payments.debit_nothing_to_request", 409,
     "口座振替を依頼できる請求がありません"},
    {ERR_DEBIT_RESULT_MISMATCH, "payments.debit_result_mismatch", 422,
     "振替結果ファイルが口座振替依頼の内容と一致しません"},
    {ERR_DEBIT_RESULT_IMPORTED, "payments.debit_result_imported", 409,
     "この口座振替依頼の振替結果は取込済みです"},
    {ERR_DEBIT_REQUEST_CANCELLED, "payments.debit_request_cancelled", 409,
     "この口座振替依頼は取り消されています"},
    {ERR_DEBIT_FILE_NOT_FOUND, "payments.debit_file_not_found", 404,
     "口座振替依頼のファイルが見つかりません"},
    {ERR_INTERNAL_AUTH, "internal.unauthorized", 401,
     "内部連携の認証に失敗しました"},
    {ERR_VAULT_UNAUTHORIZED, "vault.unauthorized", 401,
     "バックアップ保管庫の認証に失敗しました"},
    {ERR_VAULT_BAD_NAME, "vault.bad_name", 400,
     "オブジェクト名またはストア名の形式が正しくありません"},
    {ERR_VAULT_OBJECT_EXISTS, "vault.object_exists", 409,
     "このオブジェクトは既に保管されています（上書きできません）"},
    {ERR_VAULT_HASH_MISMATCH, "vault.hash_mismatch", 422,
     "データの内容が名前（ハッシュ値）と一致しません"},
    {ERR_VAULT_OBJECT_NOT_FOUND, "vault.object_not_found", 404,
     "保管庫にオブジェクトが見つかりません"},
    {ERR_VAULT_MANIFEST_EXISTS, "vault.manifest_exists", 409,
     "この番号のマニフェストは既に保管されています（上書きできません）"},
    {ERR_VAULT_MANIFEST_GAP, "vault.manifest_gap", 409,
     "マニフェストの番号が前回の次の番号ではありません"},
    {ERR_VAULT_MANIFEST_NOT_FOUND, "vault.manifest_not_found", 404,
     "保管庫にマニフェストが見つかりません"},
    {ERR_VAULT_MANIFEST_INVALID, "vault.manifest_invalid", 422,
     "マニフェストの形式が正しくありません"},
    {ERR_VAULT_SIGNATURE, "vault.signature_invalid", 422,
     "マニフェストの署名を検証できません"},
    {ERR_VAULT_UNAVAILABLE, "vault.unavailable", 503,
     "バックアップ保管庫に接続できません"},
    {ERR_BACKUP_FORMAT, "backup.format", 422,
     "バックアップデータの形式が正しくありません"},
    {ERR_BACKUP_DECRYPT, "backup.decrypt_failed", 422,
     "バックアップデータを復号できません（改ざんまたは破損）"},
    {ERR_BACKUP_WRONG_KEY, "backup.wrong_key", 422,
     "別の鍵で暗号化されたバックアップデータです"},
    {ERR_BACKUP_KEYS_EXIST, "backup.keys_exist", 409,
     "バックアップ用の鍵は既に作成されています（上書きできません）"},
    {ERR_BACKUP_KEYS_MISSING, "backup.keys_missing", 500,
     "バックアップ用の鍵がありません"},
    {ERR_BACKUP_KIT_INVALID, "backup.kit_invalid", 422,
     "復旧キットの内容が正しくありません"},
    {ERR_SHIP_STATE, "backup.ship_state", 500,
     "バックアップ送信の状態ファイルが壊れています"},
    {ERR_RESTORE_NO_BACKUP, "restore.no_backup", 404,
     "指定の時点に使えるバックアップがありません"},
    {ERR_RESTORE_INTEGRITY, "restore.integrity", 500,
     "復元したデータベースの整合性検査に失敗しました"},
    {ERR_RESTORE_AUDIT, "restore.audit_mismatch", 500,
     "復元した監査ログがバックアップの記録と一致しません"},
    {ERR_RESTORE_FAILED, "restore.failed", 500,
     "一部のストアを復元できませんでした"},
    {ERR_RESTORE_TARGET, "restore.target_not_empty", 409,
     "復元先のディレクトリが空ではありません"},
    {ERR_DRILL_MISMATCH, "drill.mismatch", 500,
     "復元訓練: 復元したデータと稼働中のデータが一致しません"},
    {ERR_JOURNAL_CORRUPT, "journal.corrupt", 500,
     "変更ジャーナルが破損しています"},
    {ERR_JOURNAL_GAP, "journal.gap", 500,
     "変更ジャーナルの連番が途切れています"},
    {ERR_CAPTURE_FAILED, "capture.failed", 503,
     "変更をバックアップ用に記録できませんでした（変更は保存されている可能性"
     "があります）"},
    {ERR_CAPTURE_UNAVAILABLE, "capture.unavailable", 503,
     "バックアップ用の記録ができないため、変更を受け付けられません"},
    {ERR_CAPTURE_OUTSIDE_TX, "capture.outside_transaction", 500,
     "トランザクション外の書き込みは許可されていません"},
    {ERR_REPLAY_CONFLICT, "replay.conflict", 500,
     "変更の再適用で内容の不一致が見つかりました"},
    {ERR_REPLAY_BASE, "replay.base", 422,
     "このスナップショットからは指定の時点まで復元できません"},
    {ERR_SNAPSHOT_NOT_FOUND, "snapshot.not_found", 404,
     "スナップショットが見つかりません"},
    {ERR_DEVICE_NOT_FOUND, "device.not_found", 404, "機器が見つかりません"},
    {ERR_DEVICE_EXISTS, "device.exists", 409, "この機器IDは登録済みです"},
    {ERR_DEVICE_RETIRED, "device.retired", 409, "この機器は使用停止済みです"},
    {ERR_DEVICE_LINK, "device.link", 422,
     "台帳のメーター・給湯器にこの機器IDが登録されていません"},
    {ERR_DEVICE_SEAL_KEY_MISSING, "device.seal_key_missing", 503,
     "集中監視（ingest）の鍵がまだ作成されていないため、機器を登録できません"},
    {ERR_DEVICE_KEY_UNREADABLE, "device.key_unreadable", 500,
     "機器の鍵を復号できません"},
    {ERR_INGEST_HEADERS, "ingest.headers", 400,
     "署名ヘッダー（X-Device-Id・X-Timestamp・X-Signature）がないか、形式が"
     "正しくありません"},
    {ERR_INGEST_UNKNOWN_DEVICE, "ingest.unknown_device", 401,
     "登録されていない機器です"},
    {ERR_INGEST_DEVICE_RETIRED, "ingest.device_retired", 403,
     "使用停止済みの機器です"},
    {ERR_INGEST_SIGNATURE, "ingest.bad_signature", 401, "署名を検証できません"},
    {ERR_INGEST_TIMESTAMP, "ingest.stale_timestamp", 401,
     "送信時刻が許容範囲（前後5分）を外れています"},
    {ERR_INGEST_REPLAY, "ingest.replayed", 409,
     "同じバッチが再送されました（リプレイ）"},
    {ERR_INGEST_BATCH_INVALID, "ingest.batch_invalid", 422,
     "バッチの内容が仕様に合いません"},
    {ERR_INGEST_LOG_UNAVAILABLE, "ingest.log_unavailable", 503,
     "受信ログに書き込めないため、受け付けられません"},
    {ERR_INGEST_LOG_CORRUPT, "ingest.log_corrupt", 500,
     "受信ログが破損しています"},
    {ERR_REMOTE_OP_NOT_FOUND, "remote_op.not_found", 404,
     "遠隔操作が見つかりません"},
    {ERR_REMOTE_OP_CAP, "remote_op.cap_reached", 429,
     "1時間あたりの遠隔遮断の上限に達したため、受け付けられません"},
    {ERR_REMOTE_OP_SELF, "remote_op.self_approval", 403,
     "依頼した本人は承認できません。別の担当者の承認が必要です"},
    {ERR_REMOTE_OP_STATE, "remote_op.state", 409,
     "この遠隔操作は現在の状態では承認・却下できません"},
    {ERR_REMOTE_OP_EXPIRED, "remote_op.expired", 409,
     "遠隔操作の有効期限が切れています"},
    {ERR_REMOTE_OP_BUSY, "remote_op.in_flight", 409,
     "この機器には処理中の遠隔操作があります"},
    {ERR_REMOTE_OP_DEVICE, "remote_op.device", 422,
     "遠隔遮断・復帰は使用中のスマートメーターにだけ送れます"},
    {ERR_MQTT_ENVELOPE, "mqtt.envelope", 400,
     "MQTTメッセージの形式（時刻・署名・本文）が正しくありません"},
    {ERR_ALARM_NOT_FOUND, "alarm.not_found", 404, "警報が見つかりません"},
    {ERR_ALARM_STATE, "alarm.state", 409,
     "この警報は現在の状態からその操作はできません"},
    {ERR_REPAIR_NOT_FOUND, "repair.not_found", 404, "修理受付が見つかりません"},
    {ERR_REPAIR_STATE, "repair.state", 409,
     "この修理受付は現在の状態からその操作はできません"},
    {ERR_ALARM_PAGE_SIGNIN, "alarm.page_signin", 401,
     "事業者コード・ログインID・パスワード・確認コードのいずれかが正しく"
     "ありません"},
    {ERR_ALARM_PAGE_THROTTLED, "alarm.page_throttled", 429,
     "試行回数が多すぎます。しばらく待ってからお試しください"},
    {ERR_ALARM_PAGE_SESSION, "alarm.page_session", 401,
     "サインインしてください"},
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
