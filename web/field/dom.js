// dom.js — building elements without innerHTML (every text from the
// server is set as text, never parsed as markup).

// h('button', { type: 'submit', class: 'big' }, '記録') — attributes
// starting with "on" are listeners; null/false attributes are left out;
// children are nodes or strings (null skipped).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  return add(el, children);
}

// Append children (nested arrays flattened; null, undefined, false skipped).
export function add(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// Replace el's children.
export function fill(el, ...children) {
  return add(clear(el), children);
}
