// ja-billing.js — the console's words in Japanese for 料金・請求 billing (merged into ja.js).
export default {
};
