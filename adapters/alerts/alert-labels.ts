/** Names people read for alert levels and offices, zh-CN first. Unknown ids are shown as they are. */
export const LEVEL_TITLES: Readonly<Record<string, { zh: string; en: string }>> = {
  reminder: { zh: '提醒', en: 'reminder' },
  'yellow-card': { zh: '黄牌', en: 'yellow card' },
  'red-card': { zh: '红牌', en: 'red card' },
  'step-overdue': { zh: '环节超时', en: 'step overdue' },
};

export const OFFICE_TITLES: Readonly<Record<string, { zh: string; en: string }>> = {
  'supervising-office': { zh: '电子监察室', en: 'supervising office' },
};

/** `3小时20分` / `3 h 20 min` style text for a wait in ms. Pure. */
export function formatWait(ms: number): { zh: string; en: string } {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (minutes === 0) return { zh: `${Math.max(0, Math.floor(ms / 1000))}秒`, en: `${Math.max(0, Math.floor(ms / 1000))} s` };
  const zh = `${days ? `${days}天` : ''}${hours ? `${hours}小时` : ''}${mins ? `${mins}分钟` : ''}`;
  const en = [days ? `${days} d` : '', hours ? `${hours} h` : '', mins ? `${mins} min` : ''].filter(Boolean).join(' ');
  return { zh, en };
}

/** What the supervising office is told when an alert is escalated. Pure. */
export function escalationMessage(e: { level: string; escalatedTo: string; waitedMs: number; message: { zh: string; en?: string } }): { zh: string; en: string } {
  const level = LEVEL_TITLES[e.level] ?? { zh: e.level, en: e.level };
  const office = OFFICE_TITLES[e.escalatedTo] ?? { zh: e.escalatedTo, en: e.escalatedTo };
  const wait = formatWait(e.waitedMs);
  return {
    zh: `${level.zh}预警 ${wait.zh} 未签收，已上报${office.zh}：${e.message.zh}`,
    en: `${level.en} not acknowledged for ${wait.en}; escalated to the ${office.en}: ${e.message.en ?? e.message.zh}`,
  };
}
