import type { DepartmentRanking } from './queries/department-ranking.ts';
import type { DocumentStatistics } from './queries/document-statistics.ts';
import type { Measures } from './queries/measures.ts';
import type { TenderStatistics } from './queries/tender-statistics.ts';

/** A count for the report; a measure with no data yet prints as a dash. */
const n = (v: number | null | undefined) => (v == null ? '—' : v.toLocaleString('en-US'));
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)} %`);
const num = (v: number | null, digits = 1) => (v === null ? '—' : v.toFixed(digits));

/** One line of the headline figures, Chinese first with English alongside. Pure. */
export function formatMeasures(m: Measures): string {
  return [
    `收件 received ${n(m.received)}`,
    `受理 accepted ${n(m.accepted)}`,
    `不予受理 not accepted ${n(m.notAccepted)}`,
    `不予许可 denied ${n(m.denied)}`,
    `撤回 withdrawn ${n(m.withdrawn)}`,
    `办结 completed ${n(m.completed)}`,
    `办结率 completion ${pct(m.completionRate)}`,
    `承诺时限内 on time (promised) ${pct(m.onTimeRate.promised)}`,
    `法定时限内 on time (statutory) ${pct(m.onTimeRate.statutory)}`,
    `平均用时 average ${num(m.durationWd.average)} 工作日 wd (p90 ${num(m.durationWd.p90, 0)})`,
    `暂停 paused ${n(m.paused.cases)} 件 cases / ${n(m.paused.workingDays)} 工作日 wd`,
    ...(m.overdueNow ? [`当前超期 overdue now ${n(m.overdueNow.promised)} (承诺 promised) / ${n(m.overdueNow.statutory)} (法定 statutory)`] : []),
    `提醒 reminders ${n(m.cards.reminder)}`,
    `黄牌 yellow ${n(m.cards.yellowCard)}`,
    `红牌 red ${n(m.cards.redCard)}`,
    `环节超时 step overdue ${n(m.cards.stepOverdue)}`,
  ].join(' · ');
}

/** The department ranking as a text table. Pure. */
export function formatRanking(ranking: DepartmentRanking): string {
  const header =
    '名次 rank | 部门 department | 受理 accepted | 办结 completed | 办结率 completion | 承诺内 on time (promised) | 法定内 on time (statutory) | 平均 avg wd | p90 wd | 超期 overdue | 红牌 red\n' +
    '---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:';
  const rows = ranking.departments.map(
    (d) =>
      `${d.rank ?? '—'} | ${d.department} | ${n(d.accepted)} | ${n(d.completed)} | ${pct(d.completionRate)} | ${pct(d.onTimeRate.promised)} | ` +
      `${pct(d.onTimeRate.statutory)} | ${num(d.durationWd.average)} | ${num(d.durationWd.p90, 0)} | ${n(d.overdueNow?.statutory ?? 0)} | ${n(d.cards.redCard)}`,
  );
  return [header, ...rows].join('\n');
}

/** Tender and document figures, one line each. Pure. */
export function formatCategories(tender: TenderStatistics | undefined, documents: DocumentStatistics | undefined): string[] {
  const lines: string[] = [];
  if (tender && tender.totals.received > 0) {
    const parts = tender.intervals.map((i) => `${i.title.zh} ${i.title.en ?? i.interval}: ${num(i.average)} (p90 ${num(i.p90, 0)}, n ${n(i.count)})`);
    const awarded = tender.totals.completed - tender.totals.denied;
    lines.push(`招标投标 tendering: 登记 registered ${n(tender.totals.received)} · 中标 awarded ${n(awarded)} · 流标重招 failed ${n(tender.totals.denied)} · ${parts.join(' · ')}`);
  }
  if (documents && documents.totals.received > 0) {
    const parts = documents.intervals.map((i) => `${i.title.zh} ${i.title.en ?? i.interval}: ${num(i.average)} (p90 ${num(i.p90, 0)}, n ${n(i.count)})`);
    lines.push(
      `公文 documents: 收发 received ${n(documents.totals.received)} · 办结 handled ${n(documents.totals.completed)} · ${parts.join(' · ')} · ` +
        `超期特急/加急 overdue urgent now ${n(documents.overdueUrgent.total)}`,
    );
  }
  return lines;
}
