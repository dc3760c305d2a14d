// ja-payments.js — the console's words in Japanese for 入金 payments (merged into ja.js).
export default {
};
