// home-panels.js — what the home page (ダッシュボード) shows, as a table of
// panels. home.js lays out three regions, in this order:
//
//   alarms   full width, first: open alarms (gas alarms first), kept
//            live by the alarm feed (Server-Sent Events) in
//            panels/alarms.js, whose cleanup closes the stream when the
//            user leaves home. Only for roles with alarms.read; without
//            it the region is not shown.
//   work     today's work, cards in a grid;
//   notices  the user's notices and approvals waiting, after them in the
//            same grid.
//
// A panel: { id, region, perm (permission, or a list: all needed),
// title (message key), load() → module with render(el, ctx) }. render
// fills el (the card's body) and may return a cleanup function. A panel
// whose perm the user lacks is not loaded at all. ctx: { go, href }.
export const PANELS = [
  { id: 'alarms', region: 'alarms', perm: 'alarms.read', title: 'home.alarms',
    load: () => import('./panels/alarms.js') },
  { id: 'readings', region: 'work', perm: 'readings.read', title: 'home.readings',
    load: () => import('./panels/readings.js') },
  { id: 'review', region: 'work', perm: 'readings.manage', title: 'home.review',
    load: () => import('./panels/review.js') },
  { id: 'billing', region: 'work', perm: 'billing.read', title: 'home.billing',
    load: () => import('./panels/billing.js') },
  { id: 'overdue', region: 'work', perm: 'payments.read', title: 'home.overdue',
    load: () => import('./panels/overdue.js') },
  { id: 'notices', region: 'notices', title: 'home.notices',
    load: () => import('./panels/notices.js') },
  { id: 'approvals', region: 'notices', perm: ['users.read', 'users.write'], title: 'home.approvals',
    load: () => import('./panels/approvals.js') },
];

export const REGIONS = ['alarms', 'work', 'notices'];
