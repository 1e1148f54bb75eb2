import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { expect, it } from 'vitest';
import { beforeStorm, cpuProbeMs } from '../../bench/storm-prelude.ts';
import { testDatabaseUrl } from '../support/test-database.ts';

async function query<T>(connectionString: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

const requested = async () =>
  Number((await query<{ n: string }>(testDatabaseUrl(), 'select checkpoints_req as n from pg_stat_bgwriter'))[0]?.n);

it('takes a checkpoint, then measures the CPU probe', async () => {
  const before = await requested();
  const prelude = await beforeStorm(testDatabaseUrl());
  expect(await requested()).toBeGreaterThan(before);
  expect(prelude.noCheckpoint).toBeUndefined();
  expect(prelude.probeMs).toBeGreaterThan(0);
  expect(cpuProbeMs()).toBeGreaterThan(0);
});

it('says why when the role may not take a checkpoint, and still probes', async () => {
  const role = `gft_probe_${randomUUID().slice(0, 8)}`;
  await query(testDatabaseUrl(), `create role ${role} login`);
  try {
    const url = new URL(testDatabaseUrl());
    url.username = role;
    url.password = '';
    const prelude = await beforeStorm(url.toString());
    expect(prelude.noCheckpoint).toMatch(/CHECKPOINT|permission/i);
    expect(prelude.probeMs).toBeGreaterThan(0);
  } finally {
    await query(testDatabaseUrl(), `drop role ${role}`);
  }
});
