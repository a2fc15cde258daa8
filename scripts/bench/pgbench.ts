import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { BenchServer } from './postgres.js';
import { withClient } from './postgres.js';

const run = promisify(execFile);

/**
 * The machine's speed right now, as BENCHMARKING.md measures it: pgbench with a job as three single-row
 * transactions — insert; claim the oldest queued row with `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP
 * LOCKED LIMIT 1)`; mark it done — so pgbench's "tps" is jobs per second. A drain costs two of the three,
 * so about 1.5× this figure is the single-row drain bound on this machine at this moment.
 * Each client marks done the row it claimed (worker = :client_id), which needs no \gset and cannot fail
 * when a claim finds nothing.
 */
const SCHEMA = `
  CREATE TABLE bench_jobs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    status      text   NOT NULL DEFAULT 'queued',
    worker      int,
    payload     jsonb  NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    finished_at timestamptz
  );
  CREATE INDEX bench_jobs_queued ON bench_jobs (id) WHERE status = 'queued';
  CREATE INDEX bench_jobs_running ON bench_jobs (worker) WHERE status = 'running';`;

const SCRIPT = `
INSERT INTO bench_jobs (payload) VALUES ('{}');
UPDATE bench_jobs SET status = 'running', worker = :client_id, started_at = now() WHERE id = (SELECT id FROM bench_jobs WHERE status = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED);
UPDATE bench_jobs SET status = 'done', finished_at = now() WHERE worker = :client_id AND status = 'running';
`;

export const PGBENCH_DESCRIPTION = 'pgbench: insert + SKIP LOCKED claim + done, 3 single-row transactions per job';

/**
 * pgbench comes with a PostgreSQL server's packages, not through npm (the embedded PostgreSQL ships only the
 * server): the newest installed server's client first, then PATH, then none: the ceiling is then left out
 * of the report, and the rest of the bench still runs.
 */
export function findPgbench(): string | undefined {
  if (process.env.PGBENCH) return process.env.PGBENCH;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const version of readdirSync(root).sort((a, b) => Number(b) - Number(a))) {
      const candidate = join(root, version, 'bin', 'pgbench');
      if (existsSync(candidate)) return candidate;
    }
  }
  const onPath = (process.env.PATH ?? '').split(delimiter).map((folder) => join(folder, 'pgbench'));
  return onPath.find((candidate) => existsSync(candidate));
}

/** Runs the ceiling on a fresh database of `server` for `seconds` with `clients` clients; returns jobs/s. */
export async function pgbenchCeiling(
  pgbench: string,
  server: BenchServer,
  seconds: number,
  clients: number,
): Promise<number> {
  const database = await server.createDatabase('pgbench');
  const folder = await mkdtemp(join(tmpdir(), 'tsbench-'));
  try {
    await withClient(database.url, (client) => client.query(SCHEMA));
    const script = join(folder, 'queue.sql');
    await writeFile(script, SCRIPT);
    const url = new URL(database.url);
    const { stdout } = await run(
      pgbench,
      [
        '-n',
        '-c',
        String(clients),
        '-j',
        '2',
        '-T',
        String(seconds),
        '-f',
        script,
        '-h',
        url.hostname,
        '-p',
        url.port || '5432',
        '-U',
        decodeURIComponent(url.username || 'postgres'),
        database.name,
      ],
      { env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) }, timeout: (seconds + 30) * 1000 },
    );
    const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
    if (!match) throw new Error(`pgbench printed no tps:\n${stdout}`);
    return Number(match[1]);
  } finally {
    await rm(folder, { recursive: true, force: true });
    await server.dropDatabase(database.name);
  }
}
