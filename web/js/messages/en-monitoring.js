// en-monitoring.js — the console's words in English for 監視 monitoring (merged into en.js).
export default {
};
