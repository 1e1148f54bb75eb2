/**
 * The database the peers run in: a scratch database `bench_peers` created for the run and dropped
 * after it, or, where the role may not create databases, the given database itself (each peer then
 * keeps to its own schemas and drops them in teardown).
 */
import os from 'node:os';
import pg from 'pg';

export interface PeerDatabase {
  connectionString: string;
  /** Drops the scratch database, if this run created it. */
  drop(): Promise<void>;
}

const CANDIDATES = ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

async function connect(urls: string[]): Promise<{ client: pg.Client; url: string }> {
  const errors: string[] = [];
  for (const url of urls) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return { client, url };
    } catch (error) {
      errors.push(`${url}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no PostgreSQL to run the peers in:\n${errors.join('\n')}`);
}

/** Connects with `url` (default: `BENCH_PEERS_URL`, else postgres or root at 127.0.0.1:5432/test). */
export async function openPeerDatabase(url = process.env.BENCH_PEERS_URL): Promise<PeerDatabase> {
  const { client, url: base } = await connect(url ? [url] : CANDIDATES);
  const scratch = new URL(base);
  scratch.pathname = '/bench_peers';
  try {
    await client.query('DROP DATABASE IF EXISTS bench_peers WITH (FORCE)');
    await client.query('CREATE DATABASE bench_peers');
  } catch (error) {
    console.warn(`cannot create database bench_peers (${(error as Error).message}); using ${new URL(base).pathname.slice(1)} with one schema set per peer`);
    await client.end();
    return { connectionString: base, drop: async () => {} };
  }
  return {
    connectionString: scratch.toString(),
    async drop() {
      await client.query('DROP DATABASE IF EXISTS bench_peers WITH (FORCE)');
      await client.end();
    },
  };
}

/** Machine and PostgreSQL facts for the results file. */
export async function describeMachine(connectionString: string): Promise<Array<[string, string]>> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const setting = async (name: string) => (await client.query<{ setting: string }>('SELECT current_setting($1) AS setting', [name])).rows[0]!.setting;
    const cpus = os.cpus();
    return [
      ['CPU', `${cpus.length} cores, ${cpus[0]?.model ?? 'unknown'}`],
      ['memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
      ['load average (1/5/15 min) at start', os.loadavg().map((l) => l.toFixed(2)).join(' / ')],
      ['Node', process.version],
      ['PostgreSQL', await setting('server_version')],
      ['fsync', await setting('fsync')],
      ['synchronous_commit', await setting('synchronous_commit')],
      ['shared_buffers', await setting('shared_buffers')],
      ['max_connections', await setting('max_connections')],
    ];
  } finally {
    await client.end();
  }
}
