// panels/notices.js — お知らせ: the user's own notices (GET /api/v1/notices):
// sign-ins from a new device, wrong codes after a right password, attacks
// on a login ID (admins), approvals waiting. Unread first; each can be
// marked read (POST /api/v1/notices/{id}/read).
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatDateTime } from '../lib/format.js';
import { problemText, t } from '../lib/i18n.js';
import { busy } from '../lib/ui.js';

const WARN = new Set(['mfa_failed', 'new_device', 'new_device_admin', 'login_attack']);
const SHOW = 6;

export async function render(el) {
  const { notices } = await api('GET', '/api/v1/notices');
  const unread = notices.filter((n) => !n.read_at);
  const list = [...unread, ...notices.filter((n) => n.read_at)].slice(0, SHOW);
  el.append(h('p', { class: 'muted', id: 'notices-count' }, t('home.noticesUnread', { n: unread.length })));
  if (!list.length) return;
  el.append(h('ul', { class: 'notice-list' }, list.map((n) => {
    const read = h('button', { type: 'button', class: 'small' }, t('home.markRead'));
    const li = h('li', { class: ['notice-item', WARN.has(n.kind) && 'warn', n.read_at && 'read'] },
      h('p', { class: 'notice-msg' }, n.message),
      h('p', { class: 'muted' }, formatDateTime(n.created_at),
        n.read_at ? ` · ${t('home.read')}` : ''),
      n.read_at ? null : read);
    read.addEventListener('click', async () => {
      try {
        await busy(read, t('common.saving'), () => api('POST', `/api/v1/notices/${n.id}/read`, {}));
        li.classList.add('read');
        read.replaceWith(h('span', { class: 'muted', role: 'status' }, t('home.markedRead')));
      } catch (e) {
        read.after(h('span', { class: 'field-error', role: 'alert' }, problemText(e)));
      }
    });
    return li;
  })));
}
