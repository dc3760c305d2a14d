// Japanese formatting helpers: dates as 2026年4月1日, times in JST.

const jstTime = new Intl.DateTimeFormat('ja-JP', {
  timeZone: 'Asia/Tokyo', year: 'numeric', month: 'long', day: 'numeric',
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});

// "2026-04-01" (a JST business date) -> "2026年4月1日"
export function formatBusinessDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

// ISO UTC timestamp -> "2026年4月1日 09:00:00" in JST
export function formatTimestamp(iso) {
  return jstTime.format(new Date(iso));
}
