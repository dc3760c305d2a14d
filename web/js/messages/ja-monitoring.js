// ja-monitoring.js — the console's words in Japanese for 監視 monitoring (merged into ja.js).
export default {
};
