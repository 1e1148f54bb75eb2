// Names people read for ids the API returns. Display only: an unknown id is shown as it is.

export const LEVELS = {
  reminder: { zh: '提醒', en: 'Reminder' },
  'yellow-card': { zh: '黄牌', en: 'Yellow card' },
  'red-card': { zh: '红牌', en: 'Red card' },
  'step-overdue': { zh: '环节超时', en: 'Step overdue' },
};

export const ALERT_STATUS = {
  open: { zh: '未签收', en: 'open' },
  escalated: { zh: '已上报监察室', en: 'escalated' },
  acknowledged: { zh: '已签收', en: 'acknowledged' },
};

export const ROLES = {
  window: '窗口', officer: '承办', head: '部门负责人', designer: '流程设计', supervisor: '电子监察', auditor: '审计', admin: '管理员', system: '系统', applicant: '申请人', bidder: '投标人',
};

export const DEPARTMENTS = {
  'market-regulation': '市场监管',
  'housing-construction': '住房城乡建设',
  'natural-resources': '自然资源',
  'ecology-environment': '生态环境',
  'water-resources': '水利',
  transport: '交通运输',
  health: '卫生健康',
  education: '教育',
  'culture-tourism': '文化和旅游',
  'public-security': '公安',
  'emergency-management': '应急管理',
  'fire-rescue': '消防救援',
  'public-resource-trading-centre': '公共资源交易中心',
  'general-office': '办公厅',
  'supervising-office': '电子监察室',
};

export const CLOCK_STATUS = { idle: '未开始', running: '计时中', paused: '暂停', stopped: '已停止' };

export const UNITS = { wd: '工作日', d: '自然日', h: '小时', min: '分钟' };

/** Engine event types that are not in a definition's `events`. */
export const ENGINE_EVENTS = {
  'govflow.start': '创建办件 started',
  'govflow.timer': '时限到点 clock threshold',
  'task.claim': '签收任务 task claimed',
  'task.transfer': '转办 transferred',
  'task.delegate': '委托 delegated',
  'task.urge': '催办 urged',
  'task.copy': '抄送 copied',
  'task.complete': '会签表决 countersign vote',
  'task.return': '退回 returned',
  'task.withdraw': '撤回 withdrawn',
};

export const level = (id) => LEVELS[id]?.zh ?? id;
export const department = (id) => (DEPARTMENTS[id] ? `${DEPARTMENTS[id]}` : id);
export const role = (id) => ROLES[id] ?? id;
