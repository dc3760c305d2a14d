// en-settings.js — the console's words in English for 設定 settings and the platform console (merged into en.js).
export default {
};
