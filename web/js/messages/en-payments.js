// en-payments.js — the console's words in English for 入金 payments (merged into en.js).
export default {
};
