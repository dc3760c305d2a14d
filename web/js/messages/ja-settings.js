// ja-settings.js — the console's words in Japanese for 設定 settings and the platform console (merged into ja.js).
export default {
};
