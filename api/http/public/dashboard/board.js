// Traffic lights: open cases per department by clock status (GET /api/v1/supervision/board).
import { api } from './api.js';
import { department } from './labels.js';
import { h, time } from './ui.js';

const $ = (id) => document.getElementById(id);

function lamp(row) {
  const worst = row.red > 0 ? 'red' : row.yellow > 0 ? 'yellow' : 'green';
  return h('span', { class: 'lamp', title: worst }, ...['green', 'yellow', 'red'].map((c) => h('i', { class: `${c}${c === worst ? ' on' : ''}` })));
}

export async function refreshBoard() {
  const body = await api('/api/v1/supervision/board');
  $('board-at').textContent = `更新 ${time(body.at)}`;
  const rows = [...body.departments].sort((a, b) => b.red - a.red || b.yellow - a.yellow || b.open - a.open);
  $('lights').tBodies[0].replaceChildren(
    ...rows.map((r) =>
      h('tr', { dataset: { department: r.department } },
        h('td', {}, lamp(r), department(r.department)),
        h('td', {}, r.open),
        h('td', { class: 'light green' }, r.green),
        h('td', { class: 'light yellow' }, r.yellow),
        h('td', { class: 'light red' }, r.red),
        h('td', {}, r.paused),
      ),
    ),
  );
  $('lights-empty').hidden = rows.length > 0;
}
