// One case for supervision: facts, each clock as a bar (used / paused / remaining / overrun),
// its alerts with their history, and the audit trail with the hash-chain check.
import { api, qs } from './api.js';
import { ALERT_STATUS, CLOCK_STATUS, ENGINE_EVENTS, UNITS, department, level, role } from './labels.js';
import { dateTime, h, time, zh } from './ui.js';

const $ = (id) => document.getElementById(id);

function stateName(value, titles) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return titles[value] ? zh(titles[value]) : value;
  return Object.entries(value)
    .map(([k, v]) => `${titles[k] ? zh(titles[k]) : k}（${stateName(v, titles)}）`)
    .join('、');
}

function amount(x, unit) {
  const u = UNITS[unit] ?? unit;
  return `${Math.round(x * 100) / 100} ${u}`;
}

function clockBar(c) {
  const used = Math.max(0, c.consumed);
  const paused = Math.max(0, c.paused);
  const left = Math.max(0, c.remaining);
  const over = Math.max(0, -c.remaining);
  const total = used + paused + left || 1;
  const pct = (x) => `${(x / total) * 100}%`;
  // An overrun is drawn past the limit: the used part fills the limit, the overrun the rest.
  const usedWithin = used - over;
  return h('div', { class: 'clock', dataset: { clock: c.name, status: c.status, overdue: String(c.overdue) } },
    h('div', { class: 'label' },
      h('span', { class: 'name' }, zh(c.title) || c.name),
      h('span', {}, CLOCK_STATUS[c.status] ?? c.status),
      h('span', {}, `时限 ${amount(c.limit + c.extended, c.unit)}${c.extended ? `（含延长 ${amount(c.extended, c.unit)}）` : ''}`),
      h('span', {}, `已用 ${amount(used, c.unit)}`),
      h('span', {}, `暂停 ${amount(paused, c.unit)}`),
      h('span', { class: c.overdue ? 'c-red' : '' }, c.remaining >= 0 ? `剩余 ${amount(left, c.unit)}` : `超出 ${amount(over, c.unit)}`),
      h('span', { class: 'hint' }, `到期 ${dateTime(c.due)}${c.provisional ? '（暂定 provisional）' : ''}`),
    ),
    h('div', { class: 'bar', role: 'img', 'aria-label': `${zh(c.title)} 已用 ${used} 暂停 ${paused} 剩余 ${c.remaining}` },
      h('div', { class: 'seg used', style: `width:${pct(Math.max(0, usedWithin))}` }),
      h('div', { class: 'seg paused', style: `width:${pct(paused)}` }),
      h('div', { class: 'seg left', style: `width:${pct(left)}` }),
      h('div', { class: 'seg over', style: `width:${pct(over)}` }),
    ),
  );
}

function eventTitle(type, names) {
  if (names.events[type]) return zh(names.events[type], true);
  return ENGINE_EVENTS[type] ?? type;
}

/** `42 秒`, `17 分钟`, `2 天 20 小时`: how late a timer fired. */
function lateness(ms) {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} 秒`;
  if (s < 3600) return `${Math.round(s / 60)} 分钟`;
  const hours = Math.round(s / 3600);
  return hours < 24 ? `${hours} 小时` : `${Math.floor(hours / 24)} 天 ${hours % 24} 小时`;
}

function timerText(payload, names) {
  const id = payload?.timerId;
  if (!id) return '';
  const m = /^clock:(.+):(r(\d+)|expiry)$/.exec(id);
  if (!m) return id;
  const clock = names.clocks.get(m[1]);
  const what = m[2] === 'expiry' ? '到期' : `第 ${Number(m[3]) + 1} 档预警`;
  return `${clock ? zh(clock.title) : m[1]} ${what}${payload.lateMs ? `（晚 ${lateness(payload.lateMs)}）` : ''}`;
}

export class CaseView {
  constructor() {
    $('case-close').addEventListener('click', () => this.close());
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !$('case').hidden) this.close();
    });
  }

  close() {
    $('case').hidden = true;
    this.id = undefined;
  }

  async open(id) {
    this.id = id;
    $('case').hidden = false;
    $('case-title').replaceChildren('办件 ', h('span', { class: 'en' }, '载入中… loading'));
    const [instance, audit, sup, alerts] = await Promise.all([
      api(`/api/v1/instances/${id}`),
      api(`/api/v1/instances/${id}/audit`),
      api(`/api/v1/supervision/cases/${id}`),
      api(`/api/v1/supervision/alerts${qs({ instanceId: id, status: 'all', limit: 50 })}`),
    ]);
    if (this.id !== id) return;
    const names = { states: sup.states, events: sup.events, clocks: new Map(sup.clocks.map((c) => [c.name, c])) };
    $('case-title').replaceChildren(`办件 ${instance.receiptNo} `, h('span', { class: 'en' }, zh(instance.definition.title, true)));
    const applicant = instance.data?.applicant;
    const facts = [
      ['受理编号', instance.receiptNo],
      ['事项', zh(instance.definition.title)],
      ['部门', department(instance.department)],
      ['区域', instance.region],
      ['当前环节', instance.status === 'done' ? `已办结（${instance.outcome ?? ''}）` : stateName(instance.state, sup.states)],
      ['状态', instance.status === 'done' ? '已办结' : '在办'],
      ['收件时间', dateTime(instance.createdAt)],
      ['最近办理', dateTime(instance.updatedAt)],
      ['申请人', applicant ? [applicant.name, applicant.idNumber, applicant.phone].filter(Boolean).join(' · ') : '—'],
      ['个人信息', instance.personalDataMasked ? '已脱敏 masked' : '完整 whole'],
    ];
    $('case-facts').replaceChildren(...facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    $('case-clocks').replaceChildren(...(sup.clocks.length ? sup.clocks.map(clockBar) : [h('p', { class: 'empty' }, '未启动时限 no clock started')]));

    const histories = await Promise.all(alerts.items.map((a) => api(`/api/v1/alerts/${a.id}/history`)));
    if (this.id !== id) return;
    $('case-alerts').replaceChildren(
      ...(histories.length
        ? histories.map(({ alert, history }) =>
            h('li', { dataset: { alertId: alert.id } },
              h('span', { class: `badge ${alert.level}` }, level(alert.level)), ' ',
              h('span', { class: `badge status-${alert.status}` }, ALERT_STATUS[alert.status]?.zh ?? alert.status), ' ',
              zh(alert.message),
              h('ol', { class: 'history' },
                ...history.map((e) =>
                  h('li', {},
                    `${time(e.at)} `,
                    e.kind === 'raised' ? '产生（时限预警规则）' : e.kind === 'escalated' ? `上报${department(e.to)}` : e.kind === 'acknowledged' ? '签收' : '补充意见',
                    e.actor?.id && e.kind !== 'raised' ? ` · ${e.actor.id}（${role(e.actor.role)}）` : '',
                    e.comment ? `：${e.comment}` : '',
                  ),
                ),
              ),
            ),
          )
        : [h('li', { class: 'hint' }, '无预警 no alerts')]),
    );

    $('case-chain').textContent = audit.verification.ok ? `哈希链校验通过（${audit.verification.events} 条，SM3）` : `哈希链校验失败 chain broken: ${audit.verification.problems.length}`;
    $('case-timeline').replaceChildren(
      ...audit.events.map((e) =>
        h('li', { class: e.actor?.role === 'system' ? 'system' : '', dataset: { seq: e.seq } },
          h('span', { class: 'when' }, dateTime(e.occurredAt)),
          h('strong', {}, eventTitle(e.type, names)),
          ' · ',
          `${e.actor?.id ?? ''}（${role(e.actor?.role)}）`,
          e.type === 'govflow.timer' ? ` · ${timerText(e.payload, names)}` : '',
          e.payload?.from !== undefined || e.payload?.to !== undefined
            ? h('span', { class: 'move' }, ` ${e.payload.from !== undefined ? `${stateName(e.payload.from, sup.states)} → ` : ''}${stateName(e.payload.to, sup.states)}`)
            : '',
        ),
      ),
    );
    $('case').dataset.loaded = id;
  }
}
