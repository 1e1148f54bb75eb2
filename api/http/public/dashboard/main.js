// 电子监察大屏: log in with a pasted bearer token, then the live alert feed (SSE), the
// traffic-light board, department ranking, dwell heatmap and the case view. Everything shown
// comes from the API, personal data masked as the API returns it.
import { api, onUnauthenticated, setToken, token } from './api.js';
import { refreshBoard } from './board.js';
import { CaseView } from './case-view.js';
import { AlertFeed } from './feed.js';
import { refreshHeatmap, resizeHeatmap } from './heatmap.js';
import { department, role } from './labels.js';
import { refreshRanking, resizeRanking } from './ranking.js';
import { openStream } from './sse.js';
import { throttle } from './ui.js';

const $ = (id) => document.getElementById(id);
let closeStream;
const timers = [];

const LIVE_TEXT = { connected: '实时 live', reconnecting: '重连中 reconnecting', off: '未连接 offline' };

function setLive(state) {
  $('live').dataset.live = state;
  $('live-text').textContent = LIVE_TEXT[state] ?? state;
}

/** Shows why a panel is empty (no permission, or a failed request) inside the panel itself. */
function report(panel) {
  return (error) => {
    const target = $(panel)?.closest('.panel, .case');
    if (!target) return;
    const text = error.status === 403 ? '本角色无权查看此项 your role may not see this' : `载入失败 failed to load: ${error.message}`;
    let note = target.querySelector(':scope > .note');
    if (!note) {
      note = document.createElement('p');
      note.className = 'note error';
      target.querySelector('.panel-head, .case-head')?.after(note);
    }
    note.textContent = text;
  };
}

function showLogin(message = '') {
  closeStream?.();
  for (const t of timers.splice(0)) clearInterval(t);
  $('dashboard').hidden = true;
  $('case').hidden = true;
  $('logout').hidden = true;
  $('find-case').hidden = true;
  $('who').textContent = '';
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('token').focus();
}

async function showDashboard() {
  const me = await api('/api/v1/me');
  $('login').hidden = true;
  $('dashboard').hidden = false;
  $('logout').hidden = false;
  $('find-case').hidden = false;
  $('who').textContent = `${me.id} · ${role(me.role)} · ${department(me.department)} · 区域 ${me.region}`;

  const caseView = new CaseView();
  const refreshStats = throttle(() => {
    refreshBoard().catch(report('lights'));
    refreshHeatmap().catch(report('heatmap-chart'));
  }, 3000);
  const refreshRanks = throttle(() => refreshRanking().catch(report('ranking-chart')), 30_000);
  const feed = new AlertFeed({
    me,
    openCase: (id) => caseView.open(id).catch(report('case-facts')),
    onChange: () => {
      refreshStats();
      refreshRanks();
    },
  });
  await feed.reload();
  closeStream = openStream('/api/v1/streams/alerts', {
    headers: () => ({ authorization: `Bearer ${token() ?? ''}` }),
    onState: (state, status) => {
      setLive(state);
      if (status === 401) showLogin('令牌已失效，请重新登录 token no longer valid');
    },
    onEvent: (e) => {
      // Too much was missed while disconnected to replay: the list is loaded afresh instead.
      if (e.event === 'resync') feed.reload().catch(report('alerts'));
      if (e.event !== 'alert') return;
      feed.receive(JSON.parse(e.data)).catch(report('alerts'));
    },
  });
  $('find-case').onsubmit = async (event) => {
    event.preventDefault();
    $('find-error').textContent = '';
    const receiptNo = $('find-receipt').value.trim();
    const found = await api(`/api/v1/instances?receiptNo=${encodeURIComponent(receiptNo)}&limit=1`).catch((error) => ({ items: [], error }));
    const hit = found.items[0];
    if (!hit) {
      $('find-error').textContent = '未找到 not found';
      return;
    }
    caseView.open(hit.id).catch(report('case-facts'));
  };
  refreshBoard().catch(report('lights'));
  refreshRanks();
  refreshHeatmap().catch(report('heatmap-chart'));
  $('ranking-measure').addEventListener('change', () => refreshRanking().catch(report('ranking-chart')));
  // The projections follow within a second; the rankings change slowly.
  timers.push(setInterval(() => refreshBoard().catch(report('lights')), 30_000));
  timers.push(setInterval(() => refreshRanking().catch(report('ranking-chart')), 300_000));
  window.addEventListener('resize', () => {
    resizeRanking();
    resizeHeatmap();
  });
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const value = $('token').value.trim();
  if (!value) return;
  setToken(value);
  $('token').value = '';
  try {
    await showDashboard();
  } catch (error) {
    setToken(null);
    showLogin(error.status === 401 ? '令牌无效或已过期 invalid or expired token' : `登录失败 ${error.message}`);
  }
});

$('logout').addEventListener('click', () => {
  setToken(null);
  showLogin();
});

onUnauthenticated(() => {
  setToken(null);
  showLogin('令牌已失效，请重新登录 token no longer valid');
});

if (token()) showDashboard().catch((error) => showLogin(error.status === 401 ? '令牌已失效 token no longer valid' : String(error.message)));
else showLogin();
