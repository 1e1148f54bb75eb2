// Small DOM and formatting helpers. Text always goes in as text nodes (never innerHTML), so
// whatever the API returns cannot inject markup.

/** `h('li', {class: 'x', dataset: {id}}, 'text', child)` → element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') el.setAttribute('style', v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** zh-CN text of a `{zh, en}` title, with the English after it when asked. */
export function zh(text, withEn = false) {
  if (text === null || text === undefined) return '';
  if (typeof text === 'string') return text;
  return withEn && text.en && text.en !== text.zh ? `${text.zh} ${text.en}` : (text.zh ?? text.en ?? '');
}

const TIME = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const DATE_TIME = new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });

/** Beijing time `MM/DD HH:mm:ss`. */
export function time(iso) {
  return iso ? TIME.format(new Date(iso)) : '—';
}

/** Beijing time `YYYY/MM/DD HH:mm`. */
export function dateTime(iso) {
  return iso ? DATE_TIME.format(new Date(iso)) : '—';
}

/** `0.9512` → `95.1%`; null → `—`. */
export function percent(x) {
  return x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`;
}

/** Today and 89 days before, Asia/Shanghai, as `YYYY-MM-DD`. */
export function lastDays(days) {
  const day = (ms) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(ms));
  const now = Date.now();
  return { from: day(now - (days - 1) * 86_400_000), to: day(now) };
}

/** Runs `fn` at most once per `ms`, trailing. */
export function throttle(fn, ms) {
  let timer;
  let pending = false;
  return () => {
    if (timer) {
      pending = true;
      return;
    }
    fn();
    timer = setTimeout(function tick() {
      timer = undefined;
      if (pending) {
        pending = false;
        fn();
        timer = setTimeout(tick, ms);
      }
    }, ms);
  };
}

/** Text made safe for the few places that take HTML (chart tooltips). */
export function esc(text) {
  return String(text).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]);
}
