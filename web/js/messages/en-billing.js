// en-billing.js — the console's words in English for 料金・請求 billing (merged into en.js).
export default {
};
