// The live alert feed: a page of alerts from the API, then every alert in scope as it arrives
// over SSE (GET /api/v1/streams/alerts), without reloading.
import { api, qs } from './api.js';
import { ALERT_STATUS, department, level } from './labels.js';
import { dateTime, h, time, zh } from './ui.js';

const $ = (id) => document.getElementById(id);

function statusOf(a) {
  return a.acknowledgedAt ? 'acknowledged' : a.escalatedAt ? 'escalated' : 'open';
}

function waitText(ms) {
  const h = ms / 3_600_000;
  if (h >= 24 && h % 24 === 0) return `${h / 24} 天`;
  if (h >= 1) return `${Math.round(h * 10) / 10} 小时`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} 分钟`;
  return `${Math.round(ms / 1000)} 秒`;
}

export class AlertFeed {
  constructor({ me, openCase, onChange }) {
    this.me = me;
    this.openCase = openCase;
    this.onChange = onChange;
    this.items = new Map();
    this.filter = 'open';
    this.next = null;
    this.canAcknowledge = me.role === 'head' || me.role === 'supervisor';
    $('feed-filter').addEventListener('change', (e) => {
      this.filter = e.target.value;
      this.reload();
    });
    $('alerts-more').addEventListener('click', () => this.loadMore());
    this.setupDialog();
  }

  async reload() {
    this.items.clear();
    $('alerts').replaceChildren();
    this.next = null;
    await this.loadMore();
  }

  async loadMore() {
    const page = await api(`/api/v1/supervision/alerts${qs({ status: this.filter, limit: 50, cursor: this.next })}`);
    const rule = page.escalation;
    $('escalation-rule').textContent = `规则：${rule.levels.map(level).join('、')}预警 ${waitText(rule.afterMs)} 未签收，自动上报${department(rule.target)}。`;
    for (const a of page.items) this.upsert(a, { append: true });
    this.next = page.next;
    $('alerts-more').hidden = !page.next;
    this.showEmpty();
  }

  showEmpty() {
    $('alerts-empty').hidden = this.items.size > 0;
  }

  accepts(status) {
    return this.filter === 'all' || status === this.filter || (this.filter === 'open' && status === 'escalated');
  }

  /** A live `alert` event from the stream. */
  async receive(payload) {
    const id = payload.alertId;
    if (!id) return;
    // Render at once from the event, then complete the card from the API (receipt number, case, status).
    if (!this.items.has(id) && payload.change !== 'escalated' && this.accepts('open')) {
      this.upsert(
        { id, level: payload.level, message: payload.message, raisedAt: new Date().toISOString(), status: 'open', instance: { id: payload.instanceId }, department: null, dueAt: payload.due ? new Date(payload.due).toISOString() : null },
        { fresh: true },
      );
    }
    try {
      const { alert } = await api(`/api/v1/alerts/${id}/history`);
      if (this.items.has(id) || this.accepts(alert.status)) this.upsert(alert, { fresh: !this.items.has(id) || payload.change === 'escalated' });
    } catch (error) {
      if (error.status !== 404) throw error;
      // The event's id did not resolve (e.g. altered by masking on the way): the list itself is authoritative.
      await this.reload();
    }
    this.onChange?.();
  }

  upsert(a, { append = false, fresh = false } = {}) {
    const status = a.status ?? statusOf(a);
    const card = this.card(a, status);
    if (fresh) card.classList.add('fresh');
    const old = this.items.get(a.id);
    if (old) old.replaceWith(card);
    else if (append) $('alerts').append(card);
    else $('alerts').prepend(card);
    this.items.set(a.id, card);
    this.showEmpty();
  }

  card(a, status) {
    const instance = a.instance ?? {};
    return h(
      'li',
      { class: 'alert', dataset: { alertId: a.id, level: a.level, status, instanceId: instance.id ?? '' } },
      h('div', { class: 'row' },
        h('span', { class: `badge ${a.level}` }, level(a.level)),
        h('span', { class: `badge status-${status}` }, ALERT_STATUS[status]?.zh ?? status),
        h('strong', {}, instance.receiptNo ?? '…'),
        a.department ? h('span', { class: 'meta' }, department(a.department)) : null,
        instance.title ? h('span', { class: 'meta' }, zh(instance.title)) : null,
      ),
      h('div', { class: 'msg' }, zh(a.message)),
      h('div', { class: 'meta' },
        `产生 ${time(a.raisedAt)}`,
        a.dueAt ? ` · 时限 ${dateTime(a.dueAt)}` : '',
        a.escalatedAt ? ` · 上报 ${time(a.escalatedAt)} → ${department(a.escalatedTo)}` : '',
        a.acknowledgedAt ? ` · 签收 ${time(a.acknowledgedAt)}（${a.acknowledgedBy}）` : '',
      ),
      h('div', { class: 'actions' },
        instance.id ? h('button', { type: 'button', class: 'open-case', onclick: () => this.openCase(instance.id) }, '查看办件 Case') : null,
        this.canAcknowledge && status !== 'acknowledged' ? h('button', { type: 'button', class: 'ack', onclick: () => this.acknowledge(a) }, '签收 Acknowledge') : null,
      ),
    );
  }

  setupDialog() {
    const dialog = $('ack-dialog');
    $('ack-cancel').addEventListener('click', () => dialog.close());
    $('ack-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      const comment = $('ack-comment').value.trim();
      if (!comment) return;
      try {
        await api(`/api/v1/alerts/${this.acking.id}/acknowledge`, { method: 'POST', json: { comment } });
        dialog.close();
      } catch (error) {
        if (error.code !== 'ALREADY_ACKNOWLEDGED') {
          $('ack-error').textContent = error.message;
          return;
        }
        dialog.close();
      }
      const { alert } = await api(`/api/v1/alerts/${this.acking.id}/history`);
      if (this.accepts(alert.status)) this.upsert(alert);
      else {
        this.items.get(alert.id)?.remove();
        this.items.delete(alert.id);
        this.showEmpty();
      }
      this.onChange?.();
    });
  }

  acknowledge(a) {
    this.acking = a;
    $('ack-what').textContent = `${level(a.level)}：${zh(a.message)}`;
    $('ack-comment').value = '';
    $('ack-error').textContent = '';
    $('ack-dialog').showModal();
  }
}
