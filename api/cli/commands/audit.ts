import type { Command } from 'commander';
import { dropExpiredAuditPartitions, ensureAuditPartitions, listAuditPartitions } from '../../../adapters/audit/audit-partitions.ts';
import { verifyAudit } from '../../../adapters/audit/verify-audit.ts';
import { openStore } from '../../../adapters/storage/open-store.ts';
import type { CommandIo } from './migrate.ts';

const defaultIo: CommandIo = { out: (t) => process.stdout.write(t), env: process.env };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Recomputes the audit hash chains and prints the first broken row of each broken chain
 * (instance, seq, what is wrong). Returns the exit code: 0 when whole, 1 when broken.
 * @throws Error when `--instance` is not a UUID.
 */
export async function runAuditVerify(options: { instance?: string; json?: boolean }, io: CommandIo = defaultIo): Promise<number> {
  if (options.instance !== undefined && !UUID.test(options.instance)) {
    throw new Error(`实例编号须为 UUID --instance must be a UUID: ${options.instance}`);
  }
  const store = await openStore({ env: io.env });
  try {
    const report = await verifyAudit(store.db, options.instance !== undefined ? { instanceId: options.instance.toLowerCase() } : {});
    if (options.json) {
      io.out(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      for (const p of report.problems) io.out(`✗ ${p.instanceId} seq ${p.seq} [${p.kind}] ${p.message}\n`);
      const summary = `${report.instances} 个实例 instances, ${report.events} 条审计事件 audit events`;
      io.out(report.ok ? `✓ 审计链完整 audit chains intact: ${summary}\n` : `✗ ${report.problems.length} 条审计链被破坏 broken chains; ${summary}\n`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

/**
 * The partition job: creates month partitions `ahead` months ahead and, with `dropOlderThan`,
 * drops months that ended longer ago than that (never less than six months: 网络安全法 Art. 21).
 */
export async function runAuditPartitions(options: { ahead: number; dropOlderThan?: string }, io: CommandIo = defaultIo): Promise<number> {
  const store = await openStore({ env: io.env });
  try {
    const created = await ensureAuditPartitions(store.db, 'now', options.ahead);
    io.out(`已创建 created ${created} 个月分区 month partitions\n`);
    if (options.dropOlderThan !== undefined) {
      const dropped = await dropExpiredAuditPartitions(store.db, options.dropOlderThan);
      for (const name of dropped) io.out(`已删除 dropped ${name}\n`);
    }
    io.out(`现有分区 partitions: ${(await listAuditPartitions(store.db)).join(', ')}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

/** `govflow audit verify [--instance <id>]` and `govflow audit partitions`. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('审计日志 audit log: verify hash chains, manage month partitions');
  audit
    .command('verify')
    .description('重新计算哈希链并指出第一处被破坏的记录 recompute the SM3 hash chains and name the first broken row; exit 1 if broken')
    .option('--instance <id>', '只校验该实例 only this instance')
    .option('--json', '以 JSON 输出 print the report as JSON')
    .action(async (options: { instance?: string; json?: boolean }) => {
      process.exitCode = await runAuditVerify(options);
    });
  audit
    .command('partitions')
    .description('预建月分区并按保留期删除旧分区（至少保留六个月）create month partitions ahead; drop expired ones (kept at least six months)')
    .option('--ahead <months>', '预建月数 months to create ahead', (v) => Number.parseInt(v, 10), 3)
    .option('--drop-older-than <interval>', '删除早于该期限结束的月分区，如 "36 months" drop months that ended longer ago, e.g. "36 months"')
    .action(async (options: { ahead: number; dropOlderThan?: string }) => {
      process.exitCode = await runAuditPartitions(options);
    });
}
