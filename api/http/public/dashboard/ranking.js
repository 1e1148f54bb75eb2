// Departments side by side, ranked on one measure (GET /api/v1/supervision/departments).
import { api, qs } from './api.js';
import { department } from './labels.js';
import { lastDays, percent } from './ui.js';

const $ = (id) => document.getElementById(id);

const MEASURES = {
  'onTimeRate.promised': { title: '按时率（承诺时限）', value: (d) => d.onTimeRate.promised, format: percent, axis: (v) => `${Math.round(v * 100)}%`, max: 1 },
  completionRate: { title: '办结率', value: (d) => d.completionRate, format: percent, axis: (v) => `${Math.round(v * 100)}%`, max: 1 },
  'durationWd.average': { title: '平均用时（工作日）', value: (d) => d.durationWd.average, format: (v) => (v === null ? '—' : `${v.toFixed(1)} 工作日`), axis: (v) => v },
  'cards.redCard': { title: '亮牌（预警）', cards: true, value: (d) => d.cards.redCard, format: (v) => `${v}`, axis: (v) => v },
};

const CARD_SERIES = [
  { key: 'reminder', name: '提醒', color: '#0969da' },
  { key: 'yellowCard', name: '黄牌', color: '#bf8700' },
  { key: 'stepOverdue', name: '环节超时', color: '#d4a72c' },
  { key: 'redCard', name: '红牌', color: '#cf222e' },
];

let chart;

export async function refreshRanking() {
  const measure = $('ranking-measure').value;
  const spec = MEASURES[measure];
  const period = lastDays(90);
  const body = await api(`/api/v1/supervision/departments${qs({ ...period, orderBy: measure })}`);
  $('ranking-period').textContent = `${body.period.from} 至 ${body.period.to}`;
  // Best first, at the top; departments without a value (nothing completed yet) stay listed, unranked, at the bottom.
  const rows = [...body.departments].reverse();
  const names = rows.map((d) => `${d.rank ?? '—'}. ${department(d.department)}`);
  chart ??= echarts.init($('ranking-chart'), null, { renderer: 'canvas' });
  const grid = { left: 8, right: 56, top: spec.cards ? 28 : 8, bottom: 8, containLabel: true };
  const option = spec.cards
    ? {
        grid,
        legend: { top: 0, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 11 } },
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        xAxis: { type: 'value', minInterval: 1 },
        yAxis: { type: 'category', data: names, axisLabel: { fontSize: 11 } },
        series: CARD_SERIES.map((s) => ({ type: 'bar', stack: 'cards', name: s.name, itemStyle: { color: s.color }, data: rows.map((d) => d.cards[s.key]) })),
      }
    : {
        grid,
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, valueFormatter: spec.format },
        xAxis: { type: 'value', ...(spec.max ? { max: spec.max } : {}), axisLabel: { formatter: spec.axis } },
        yAxis: { type: 'category', data: names, axisLabel: { fontSize: 11 } },
        series: [{ type: 'bar', name: spec.title, data: rows.map((d) => spec.value(d)), itemStyle: { color: '#0969da' }, label: { show: true, position: 'right', formatter: (p) => spec.format(p.value ?? null), fontSize: 11 } }],
      };
  chart.setOption(option, true);
  if (rows.length === 0) chart.setOption({ title: { text: '期间内暂无统计 no figures in the period', left: 'center', top: 'middle', textStyle: { fontSize: 13, color: '#57606a', fontWeight: 'normal' } } });
}

export function resizeRanking() {
  chart?.resize();
}
