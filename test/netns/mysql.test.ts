import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChecker } from '../../src/check/build.js';
import type { MysqlCheckOptions } from '../../src/check/mysql.js';
import { checkMysql } from '../../src/check/mysql.js';
import { specsOf } from '../support/check-specs.js';
import type { ReplicatedPair } from '../support/mariadb.js';
import { startReplicatedPair } from '../support/mariadb.js';

// The MySQL checker against real MariaDB: a primary and a replica of it, each on a temporary
// data directory and a free loopback port.

const PASSWORD = 'check-Secret-123';
let pair: ReplicatedPair;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tandem-mysql-'));
  writeFileSync(path.join(dir, 'password'), `${PASSWORD}\n`, { mode: 0o600 });
  pair = await startReplicatedPair(PASSWORD);
}, 120_000);

afterAll(async () => {
  await pair?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

const opts = (over: Partial<MysqlCheckOptions> = {}): MysqlCheckOptions => ({ user: 'tandem', password: PASSWORD, query: 'SELECT 1', timeoutMs: 2000, ...over });
const check = (port: number, over: Partial<MysqlCheckOptions> = {}, timeoutMs = 3000) => checkMysql({ address: '127.0.0.1', port }, opts(over), AbortSignal.timeout(timeoutMs));

async function until(what: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not reached in ${ms} ms`);
}

describe('mysql checker on real MariaDB', () => {
  it('logs in and runs the query; a wrong password fails without showing it', async () => {
    expect(await check(pair.primary.port)).toEqual({ ok: true, message: 'query ok' });
    const denied = await check(pair.primary.port, { password: 'wrong-password' });
    expect(denied.ok).toBe(false);
    expect(denied.message).toMatch(/Access denied/);
    expect(denied.message).not.toMatch(/wrong-password/);
  });

  it('fails a configured query that returns no row', async () => {
    expect(await check(pair.primary.port, { query: 'SELECT at FROM app.ticks WHERE at > NOW()' })).toEqual({ ok: false, message: 'the query returned no row' });
  });

  it('tells a read-only replica from a writable primary', async () => {
    expect(await check(pair.replica.port, { readOnly: true })).toEqual({ ok: true, message: 'query ok' });
    expect(await check(pair.primary.port, { readOnly: true })).toEqual({ ok: false, message: 'the server is writable; a read-only one is expected' });
    expect(await check(pair.primary.port, { readOnly: false })).toEqual({ ok: true, message: 'query ok' });
    expect(await check(pair.replica.port, { readOnly: false })).toEqual({ ok: false, message: 'the server is read-only; a writable one is expected' });
  });

  it('wants a running replica: the primary is not one, a stopped replica is down', async () => {
    expect(await check(pair.replica.port, { maxReplicationLag: 5 })).toEqual({ ok: true, message: 'query ok; replica 0 s behind' });
    expect(await check(pair.primary.port, { maxReplicationLag: 5 })).toEqual({ ok: false, message: 'not a replica (no replica status)' });
    await pair.replica.query('STOP SLAVE SQL_THREAD');
    expect(await check(pair.replica.port, { maxReplicationLag: 5 })).toEqual({ ok: false, message: 'replication stopped (IO thread Yes, SQL thread No)' });
    await pair.replica.query('START SLAVE');
    await until(async () => (await check(pair.replica.port, { maxReplicationLag: 5 })).ok, 10_000);
  });

  it('measures the lag of a replica that falls behind', async () => {
    await pair.replica.query('STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=8; START SLAVE');
    try {
      let lagged = { ok: true, message: '' };
      for (let i = 0; i < 40 && lagged.ok; i++) {
        await pair.primary.query('INSERT INTO app.ticks VALUES (NOW(3))');
        await new Promise((r) => setTimeout(r, 300));
        lagged = await check(pair.replica.port, { maxReplicationLag: 2 });
      }
      expect(lagged.ok).toBe(false);
      expect(lagged.message).toMatch(/^replica \d+ s behind its source; at most 2 s allowed$/);
      expect((await check(pair.replica.port, { maxReplicationLag: 60 })).ok).toBe(true);
    } finally {
      await pair.replica.query('STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=0; START SLAVE');
    }
  });

  it('fails at the timeout when the server hangs', async () => {
    process.kill(pair.primary.pid, 'SIGSTOP');
    try {
      const started = performance.now();
      const hung = await check(pair.primary.port, { timeoutMs: 500 }, 500);
      expect(hung.ok).toBe(false);
      expect(performance.now() - started).toBeLessThan(1500);
    } finally {
      process.kill(pair.primary.pid, 'SIGCONT');
    }
  });

  it('reads the password from password_file, as the daemon builds the check', async () => {
    const [spec] = specsOf(
      `{ type: mysql, user: tandem, password_file: ${path.join(dir, 'password')}, read_only: true, max_replication_lag: 30, query: "SELECT 1 FROM DUAL" }`,
      `[{ address: 127.0.0.1, port: ${pair.replica.port} }]`,
      3306,
    );
    const checker = await buildChecker(spec!);
    expect(await checker(AbortSignal.timeout(3000))).toMatchObject({ ok: true, message: expect.stringMatching(/^query ok; replica \d+ s behind$/) });
  });
});
