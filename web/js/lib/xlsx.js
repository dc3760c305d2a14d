// xlsx.js — an Excel workbook's first sheet as CSV text, in the browser.
//
// The import API reads CSV only; office staff keep their lists in Excel.
// An .xlsx file is a ZIP of XML parts: the central directory says where
// each part is, DecompressionStream('deflate-raw') inflates it, DOMParser
// reads it. Strings come from sharedStrings.xml (the furigana runs <rPh>
// are left out) or inline; a number in a date format becomes YYYY-MM-DD;
// other numbers are written as Excel stores them. Every row of the sheet
// becomes one CSV record (missing rows as empty lines, which the importer
// skips), padded to the heading row's width, so the importer's line
// numbers map back to the sheet's row numbers (rowOfLine) even when a cell
// holds line breaks.

const td = new TextDecoder('utf-8');

function u16(dv, o) { return dv.getUint16(o, true); }
function u32(dv, o) { return dv.getUint32(o, true); }

// name → { method, offset, size } from the ZIP central directory.
function entries(buf) {
  const dv = new DataView(buf);
  let eocd = -1;
  for (let i = buf.byteLength - 22; i >= Math.max(0, buf.byteLength - 22 - 65535); i--) {
    if (u32(dv, i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip file');
  const count = u16(dv, eocd + 10);
  let p = u32(dv, eocd + 16);
  const out = new Map();
  for (let n = 0; n < count; n++) {
    if (u32(dv, p) !== 0x02014b50) throw new Error('bad zip directory');
    const nameLen = u16(dv, p + 28);
    const name = td.decode(new Uint8Array(buf, p + 46, nameLen));
    out.set(name, { method: u16(dv, p + 10), size: u32(dv, p + 20), local: u32(dv, p + 42) });
    p += 46 + nameLen + u16(dv, p + 30) + u16(dv, p + 32);
  }
  return { dv, out };
}

async function readPart(buf, zip, name) {
  const e = zip.out.get(name);
  if (!e) return null;
  const lh = e.local;
  if (u32(zip.dv, lh) !== 0x04034b50) throw new Error('bad zip entry');
  const start = lh + 30 + u16(zip.dv, lh + 26) + u16(zip.dv, lh + 28);
  const raw = new Uint8Array(buf, start, e.size);
  if (e.method === 0) return td.decode(raw);
  if (e.method !== 8) throw new Error('unsupported zip method');
  const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return td.decode(await new Response(stream).arrayBuffer());
}

function xml(text) {
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length) throw new Error('bad xml');
  return doc;
}

function all(node, local) {
  return [...node.getElementsByTagNameNS('*', local)];
}

// The text of a string item without its phonetic (furigana) runs.
function itemText(si) {
  let s = '';
  for (const tNode of all(si, 't')) {
    if (tNode.parentNode?.localName === 'rPh') continue;
    s += tNode.textContent;
  }
  return s;
}

const BUILTIN_DATES = new Set([14, 15, 16, 17, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36,
                               50, 51, 52, 53, 54, 55, 56, 57, 58]);

// Style index → true when its number format shows a date.
function dateStyles(stylesDoc) {
  if (!stylesDoc) return [];
  const custom = new Map(all(stylesDoc, 'numFmt').map((n) =>
    [Number(n.getAttribute('numFmtId')), n.getAttribute('formatCode') || '']));
  const xfs = all(stylesDoc, 'cellXfs')[0];
  if (!xfs) return [];
  return [...xfs.children].filter((x) => x.localName === 'xf').map((xf) => {
    const id = Number(xf.getAttribute('numFmtId') || 0);
    if (BUILTIN_DATES.has(id)) return true;
    const code = (custom.get(id) || '').replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
    return /[yd]/i.test(code) || /[年日]/.test(custom.get(id) || '');
  });
}

function serialDate(v, date1904) {
  const days = Math.floor(Number(v)) + (date1904 ? 1462 : 0);
  const d = new Date(Date.UTC(1899, 11, 30) + days * 86400000);
  return d.toISOString().slice(0, 10);
}

function colIndex(ref) {
  const letters = /^[A-Z]+/.exec(ref || '')?.[0] || '';
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

function csvField(s) {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// → { csv, rowOfLine: [line] = sheet row, sheet: name }.
export async function xlsxToCsv(buf) {
  const zip = entries(buf);
  const wb = xml(await readPart(buf, zip, 'xl/workbook.xml') || '');
  const first = all(wb, 'sheet')[0];
  if (!first) throw new Error('no sheet');
  const rid = first.getAttributeNS('http://schemas.openxmlformats.org/officeDocument/2006/relationships', 'id') ||
              first.getAttribute('r:id');
  const rels = xml(await readPart(buf, zip, 'xl/_rels/workbook.xml.rels') || '');
  let target = all(rels, 'Relationship').find((r) => r.getAttribute('Id') === rid)?.getAttribute('Target') ||
               'worksheets/sheet1.xml';
  target = target.startsWith('/') ? target.slice(1) : `xl/${target}`;
  const sheet = xml(await readPart(buf, zip, target) || '');
  const ssText = await readPart(buf, zip, 'xl/sharedStrings.xml');
  const shared = ssText ? all(xml(ssText), 'si').map(itemText) : [];
  const stText = await readPart(buf, zip, 'xl/styles.xml');
  const isDate = dateStyles(stText ? xml(stText) : null);
  const date1904 = all(wb, 'workbookPr')[0]?.getAttribute('date1904') === '1' ||
                   all(wb, 'workbookPr')[0]?.getAttribute('date1904') === 'true';

  const rows = new Map(); // sheet row number → [cells]
  for (const row of all(sheet, 'row')) {
    const r = Number(row.getAttribute('r'));
    const cells = [];
    for (const c of [...row.children].filter((x) => x.localName === 'c')) {
      const type = c.getAttribute('t') || 'n';
      const v = [...c.children].find((x) => x.localName === 'v')?.textContent ?? '';
      let text;
      if (type === 's') text = shared[Number(v)] ?? '';
      else if (type === 'inlineStr') text = itemText([...c.children].find((x) => x.localName === 'is') || c);
      else if (type === 'b') text = v === '1' ? 'TRUE' : 'FALSE';
      else if (type === 'n' && v !== '' && isDate[Number(c.getAttribute('s') || 0)]) text = serialDate(v, date1904);
      else text = v;
      cells[colIndex(c.getAttribute('r'))] = text;
    }
    rows.set(r, cells);
  }
  const last = Math.max(0, ...rows.keys());
  const headRow = [...rows.keys()].sort((a, b) => a - b).find((r) => (rows.get(r) || []).some((x) => x));
  const width = headRow ? rows.get(headRow).length : 0;
  const lines = [];
  const rowOfLine = [0];
  for (let r = 1; r <= last; r++) {
    const cells = rows.get(r) || [];
    const empty = !cells.some((x) => x);
    const rec = empty ? '' : Array.from({ length: width }, (_, i) => csvField(cells[i] ?? '')).join(',');
    for (let k = 0; k <= (rec.match(/\n/g) || []).length; k++) rowOfLine.push(r);
    lines.push(rec);
  }
  return { csv: `${lines.join('\r\n')}\r\n`, rowOfLine, sheet: first.getAttribute('name') || '' };
}
