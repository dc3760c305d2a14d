// dom.js — building elements without innerHTML: every text that comes
// from the server is set as text, never parsed as markup. The same h() as
// the field page's (web/field/dom.js), plus SVG and a few helpers.
//
// h('button', { type: 'submit', class: 'primary' }, '保存') — attributes
// starting with "on" are listeners; null/undefined/false attributes are
// left out; true gives an empty attribute; children are nodes or strings
// (null, undefined and false skipped; arrays flattened). There is no
// "style" attribute on purpose: the console's CSP forbids inline styles,
// so set el.style.x from code (CSSOM) or use a class.

const SVG_NS = 'http://www.w3.org/2000/svg';

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'style') {
      throw new Error('inline style is not allowed (CSP): use a class');
    } else if (k === 'value' && 'value' in el && el.tagName !== 'BUTTON') {
      el.value = String(v);
    } else if (k === 'checked' || k === 'selected') {
      el[k] = true;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  return el;
}

export function h(tag, attrs = {}, ...children) {
  return add(setAttrs(document.createElement(tag), attrs), children);
}

// The same for SVG elements (the usage chart).
export function s(tag, attrs = {}, ...children) {
  return add(setAttrs(document.createElementNS(SVG_NS, tag), attrs), children);
}

// Append children (nested arrays flattened; null, undefined, false skipped).
export function add(el, children) {
  for (const c of [children].flat(Infinity)) {
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

// Text that may be longer than its box: cut with an ellipsis by CSS
// (class "clip") and shown whole in the tooltip.
export function clip(text, tag = 'span', cls = '') {
  const v = text === null || text === undefined ? '' : String(text);
  return h(tag, { class: `clip ${cls}`.trim(), title: v || null }, v);
}

// A unique id for label/aria wiring.
let seq = 0;
export function uid(prefix = 'id') {
  seq += 1;
  return `${prefix}-${seq}`;
}
