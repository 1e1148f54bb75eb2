// Where cases wait: mean working days per state and month for one process, and how many
// cases are in each state now (GET /api/v1/supervision/dwell).
import { api, qs } from './api.js';
import { esc, lastDays, zh } from './ui.js';

const $ = (id) => document.getElementById(id);
const NOW = '当前在办 now';
let chart;
let loaded = false;

/** The processes with their open cases, busiest first; the one chosen stays chosen, else the busiest is shown. */
async function loadProcesses() {
  const { processes } = await api('/api/v1/supervision/dwell');
  const select = $('heatmap-process');
  const chosen = sessionStorage.getItem('govflow.heatmap');
  const sorted = [...processes].sort((a, b) => b.open - a.open || a.id.localeCompare(b.id));
  select.replaceChildren(...sorted.map((p) => new Option(`${zh(p.title)}（在办 ${p.open}）`, p.id)));
  if (chosen && sorted.some((p) => p.id === chosen)) select.value = chosen;
  if (!loaded) {
    select.addEventListener('change', () => {
      sessionStorage.setItem('govflow.heatmap', select.value);
      refreshHeatmap();
    });
    loaded = true;
  }
}

export async function refreshHeatmap() {
  await loadProcesses();
  const definition = $('heatmap-process').value;
  if (!definition) return;
  const { heatmap } = await api(`/api/v1/supervision/dwell${qs({ definition, ...lastDays(365) })}`);
  const states = [...heatmap.states].reverse();
  const labels = states.map((s) => (s.title ? zh(s.title) : s.state));
  const columns = [...heatmap.columns, NOW];
  // ECharts heatmap items are [x, y, value]; the figures behind each cell are looked up by position.
  const dwellCells = heatmap.cells.map((c) => ({ at: [columns.indexOf(c.column), states.findIndex((s) => s.state === c.state)], c }));
  const dwell = dwellCells.map(({ at, c }) => [...at, c.averageWd === null ? 0 : Number(c.averageWd.toFixed(2))]);
  const waiting = states.map((s, y) => [columns.length - 1, y, s.waitingNow]);
  const maxWd = Math.max(1, ...dwell.map((d) => d[2]));
  const maxWaiting = Math.max(1, ...waiting.map((d) => d[2]));
  chart ??= echarts.init($('heatmap-chart'), null, { renderer: 'canvas' });
  chart.setOption(
    {
      grid: { left: 8, right: 90, top: 8, bottom: 24, containLabel: true },
      tooltip: {
        formatter: (p) => {
          if (p.seriesIndex === 1) {
            const s = states[p.data[1]];
            return `${esc(labels[p.data[1]])}<br>当前在办 ${s.waitingNow} 件<br>历史平均 ${s.averageWd === null ? '—' : s.averageWd.toFixed(1)} 工作日 · p90 ${s.p90Wd ?? '—'}`;
          }
          const { c } = dwellCells[p.dataIndex];
          return `${esc(labels[p.data[1]])} · ${esc(columns[p.data[0]])}<br>离开 ${c.count} 件<br>平均 ${c.averageWd?.toFixed(1) ?? '—'} 工作日（${c.averageHours?.toFixed(1) ?? '—'} 小时）<br>p90 ${c.p90Wd ?? '—'} 工作日`;
        },
      },
      xAxis: { type: 'category', data: columns, splitArea: { show: true }, axisLabel: { fontSize: 11 } },
      yAxis: { type: 'category', data: labels, splitArea: { show: true }, axisLabel: { fontSize: 11, width: 150, overflow: 'truncate' } },
      visualMap: [
        { seriesIndex: 0, min: 0, max: maxWd, calculable: false, orient: 'vertical', right: 0, top: 8, itemHeight: 90, text: ['工作日', ''], textStyle: { fontSize: 11 }, inRange: { color: ['#f0f9e8', '#fdae61', '#d7191c'] } },
        { seriesIndex: 1, min: 0, max: maxWaiting, calculable: false, orient: 'vertical', right: 0, bottom: 24, itemHeight: 90, text: ['在办', ''], textStyle: { fontSize: 11 }, inRange: { color: ['#eef4ff', '#0969da'] } },
      ],
      series: [
        { type: 'heatmap', name: '平均停留', data: dwell, label: { show: true, fontSize: 10, formatter: (p) => (p.data[2] ? p.data[2].toFixed(1) : '') } },
        { type: 'heatmap', name: '当前在办', data: waiting, label: { show: true, fontSize: 10, formatter: (p) => (p.data[2] ? String(p.data[2]) : '') } },
      ],
    },
    true,
  );
}

export function resizeHeatmap() {
  chart?.resize();
}
