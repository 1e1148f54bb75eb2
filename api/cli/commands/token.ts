import type { Command } from 'commander';
import { TOKEN_ROLES, createToken, listTokens, revokeToken, type TokenRole } from '../../../adapters/auth/api-tokens.ts';
import { migrate } from '../../../adapters/storage/migrate.ts';
import { openStore } from '../../../adapters/storage/open-store.ts';
import type { Store } from '../../../adapters/storage/store.ts';
import { servingProcess } from '../../http/server/serve-lock.ts';

async function withStore<T>(work: (store: Store) => Promise<T>): Promise<T> {
  if (!process.env['DATABASE_URL']) {
    const dataDir = process.env['GOVFLOW_DATA_DIR'] ?? './data';
    const pid = servingProcess(dataDir);
    if (pid !== undefined) {
      throw new Error(
        `服务（进程 ${pid}）正在使用内置数据库 ${dataDir}：请先停止服务，或由管理员调用 POST /api/v1/tokens ` +
          `the server (pid ${pid}) owns the embedded database ${dataDir}: stop it first, or have an admin use POST /api/v1/tokens`,
      );
    }
  }
  const store = await openStore();
  try {
    await migrate(store.db);
    return await work(store);
  } finally {
    await store.close();
  }
}

interface CreateOptions {
  role: string;
  department: string;
  region: string;
  name?: string;
  expiresDays?: string;
  json?: boolean;
}

/**
 * `govflow token create|list|revoke`: bearer tokens of the HTTP API. The token is printed once;
 * the database keeps only its SM3 digest. Uses the database `serve` uses (DATABASE_URL, or the
 * embedded one in GOVFLOW_DATA_DIR / ./data — stop the server first, the embedded database has one owner).
 */
export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('管理接口令牌 manage API tokens');
  token
    .command('create')
    .description('签发令牌（只显示一次）issue a token (shown once)')
    .requiredOption('--role <role>', `角色 role: ${TOKEN_ROLES.join(' | ')}`)
    .requiredOption('--department <id>', '部门 department id, e.g. market-regulation')
    .option('--region <code>', '区域 region code', process.env['GOVFLOW_REGION'] ?? '520000')
    .option('--name <name>', '使用人 holder (the actor id in audit trails)')
    .option('--expires-days <n>', '有效天数 valid for N days (default: no expiry)')
    .option('--json', '输出 JSON print JSON')
    .action(async (options: CreateOptions) => {
      if (!(TOKEN_ROLES as readonly string[]).includes(options.role)) throw new Error(`未知角色 unknown role '${options.role}'; roles: ${TOKEN_ROLES.join(', ')}`);
      const days = options.expiresDays !== undefined ? Number(options.expiresDays) : undefined;
      if (days !== undefined && !(Number.isInteger(days) && days > 0)) throw new Error(`有效天数无效 invalid --expires-days: ${options.expiresDays}`);
      const now = Date.now();
      const issued = await withStore((store) =>
        createToken(
          store.db,
          {
            role: options.role as TokenRole,
            department: options.department,
            region: options.region,
            ...(options.name !== undefined ? { name: options.name } : {}),
            ...(days !== undefined ? { expiresAt: now + days * 86_400_000 } : {}),
            createdBy: 'cli',
          },
          now,
        ),
      );
      if (options.json) {
        process.stdout.write(`${JSON.stringify(issued)}\n`);
        return;
      }
      process.stdout.write(
        [
          `令牌 token:       ${issued.token}`,
          `编号 id:          ${issued.id}`,
          `使用人 name:      ${issued.name}`,
          `角色 role:        ${issued.role}`,
          `部门 department:  ${issued.department}`,
          `区域 region:      ${issued.region}`,
          `到期 expires:     ${issued.expiresAt ?? '不过期 never'}`,
          '此令牌只显示这一次，请妥善保存。This token is shown once; keep it safe.',
          `用法 usage: Authorization: Bearer ${issued.token}`,
          '',
        ].join('\n'),
      );
    });
  token
    .command('list')
    .description('列出令牌（不含令牌本身）list tokens (never the token text)')
    .action(async () => {
      const rows = await withStore((store) => listTokens(store.db));
      for (const t of rows) {
        const state = t.revokedAt ? `已撤销 revoked ${t.revokedAt}` : t.expiresAt ? `到期 expires ${t.expiresAt}` : '有效 active';
        process.stdout.write(`${t.id}  ${t.role.padEnd(20)} ${t.department.padEnd(24)} ${t.region.padEnd(8)} ${t.name}  ${state}\n`);
      }
      process.stdout.write(`${rows.length} 个令牌 tokens\n`);
    });
  token
    .command('revoke')
    .description('撤销令牌 revoke a token')
    .argument('<id>', '令牌编号 token id (from `token list`)')
    .action(async (id: string) => {
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error(`令牌编号无效 invalid token id: ${id}`);
      const done = await withStore((store) => revokeToken(store.db, id.toLowerCase(), Date.now()));
      if (!done) throw new Error(`没有有效的令牌 ${id} no live token ${id}`);
      process.stdout.write(`已撤销 revoked ${id}\n`);
    });
}
