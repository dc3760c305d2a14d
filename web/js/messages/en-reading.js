// en-reading.js — the console's words in English for 検針 meter reading (merged into en.js).
export default {
};
