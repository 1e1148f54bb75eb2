import type { Kysely } from 'kysely';
import { countTokens, createToken, type IssuedToken, type TokenRole } from '../../../adapters/auth/api-tokens.ts';
import type { Database } from '../../../adapters/storage/database.ts';

/** The department and region the demo login is for (市场监管, 贵州省). */
export const DEMO_DEPARTMENT = 'market-regulation';
export const DEMO_REGION = '520000';

const DEMO_ROLES: Array<{ role: TokenRole; name: string; zh: string; en: string }> = [
  { role: 'window', name: 'demo-window', zh: '窗口受理', en: 'window clerk' },
  { role: 'chief-representative', name: 'demo-chief-representative', zh: '首席代表', en: 'chief representative' },
  { role: 'officer', name: 'demo-officer', zh: '承办审查', en: 'reviewing officer' },
  { role: 'head', name: 'demo-head', zh: '部门负责人', en: 'department head' },
  { role: 'designer', name: 'demo-designer', zh: '流程设计', en: 'process designer' },
  { role: 'supervisor', name: 'demo-supervisor', zh: '电子监察', en: 'supervisor' },
  { role: 'auditor', name: 'demo-auditor', zh: '审计', en: 'auditor' },
  { role: 'admin', name: 'demo-admin', zh: '系统管理', en: 'administrator' },
];

/**
 * On a database that has never had a token, issues one token per role for the demo department
 * and returns them with their titles; otherwise returns nothing (tokens are shown only once).
 */
export async function issueDemoLogin(db: Kysely<Database>, now: number): Promise<Array<IssuedToken & { zh: string; en: string }> | undefined> {
  return db.transaction().execute(async (trx) => {
    if ((await countTokens(trx)) > 0) return undefined;
    const issued: Array<IssuedToken & { zh: string; en: string }> = [];
    for (const r of DEMO_ROLES) {
      const token = await createToken(trx, { role: r.role, department: DEMO_DEPARTMENT, region: DEMO_REGION, name: r.name, createdBy: 'demo' }, now);
      issued.push({ ...token, zh: r.zh, en: r.en });
    }
    return issued;
  });
}

/** The banner `npm start` prints with the demo tokens, zh-CN first. Pure. */
export function demoLoginBanner(url: string, tokens: ReadonlyArray<IssuedToken & { zh: string; en: string }>): string {
  const roleWidth = Math.max(0, ...tokens.map((t) => t.role.length));
  const lines = [
    '',
    '══════════════════════════════════════════════════════════════════════════════',
    ` 演示登录（仅此一次显示）Demo login — shown this once`,
    ` 部门 department: ${DEMO_DEPARTMENT}（市场监管）  区域 region: ${DEMO_REGION}`,
    ` 请求头 header:  Authorization: Bearer <令牌 token>`,
    '──────────────────────────────────────────────────────────────────────────────',
    ...tokens.map((t) => ` ${padWidth(`${t.zh} ${t.en}`, 30)} ${t.role.padEnd(roleWidth)} ${t.token}`),
    '──────────────────────────────────────────────────────────────────────────────',
    ` 试一试 try:  curl -H "Authorization: Bearer ${tokens[0]?.token ?? '<token>'}" ${url}/api/v1/tasks`,
    ` 接口文档 API docs: ${url}/docs    公开事项 public items: ${url}/api/v1/public/items`,
    ` 更多令牌 more tokens: npx govflow token create --role officer --department ${DEMO_DEPARTMENT}（先停止服务 stop the server first）`,
    ` 演示数据 demo data: 停止服务后 stop the server, then  npx govflow demo --days 30 --per-day 30  再启动 and start again`,
    '══════════════════════════════════════════════════════════════════════════════',
    '',
  ];
  return lines.join('\n');
}

/** Pads to a terminal width, counting CJK characters as two columns. Pure. */
function padWidth(text: string, width: number): string {
  const used = [...text].reduce((n, ch) => n + ((ch.codePointAt(0) ?? 0) >= 0x2e80 ? 2 : 1), 0);
  return text + ' '.repeat(Math.max(0, width - used));
}
