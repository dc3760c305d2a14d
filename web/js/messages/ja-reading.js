// ja-reading.js — the console's words in Japanese for 検針 meter reading (merged into ja.js).
export default {
};
