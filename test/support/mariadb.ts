import type { ResultPromise } from 'execa';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { program, run } from './programs.js';

/*
 * Real MariaDB servers for the tests: each on a data directory of its own under a temporary
 * directory, on a free loopback port, run as root with no system config (--no-defaults). They
 * never touch a system database. stop() kills them and removes the directory.
 */

export function requireMariadb(): void {
  for (const cmd of ['mariadbd', 'mariadb-install-db']) program(cmd);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class MariaDb {
  private constructor(
    readonly port: number,
    readonly socket: string,
    private readonly process: ResultPromise,
    private readonly log: () => string,
  ) {}

  static async start(datadir: string, serverId: number): Promise<MariaDb> {
    const port = await freePort();
    const socket = path.join(datadir, 'mysqld.sock');
    let output = '';
    const child = run(
      'mariadbd',
      ['--no-defaults', `--datadir=${datadir}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1', '--user=root', `--server-id=${serverId}`, '--log-bin=bin', `--pid-file=${path.join(datadir, 'pid')}`, '--skip-name-resolve'],
      { reject: false, all: true, buffer: false },
    );
    child.all?.on('data', (d: Buffer) => (output += d.toString()));
    const db = new MariaDb(port, socket, child, () => output);
    for (let i = 0; i < 100; i++) {
      try {
        await db.query('SELECT 1');
        return db;
      } catch {
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    child.kill('SIGKILL');
    throw new Error(`mariadbd did not start on port ${port}:\n${output}`);
  }

  /** Runs SQL as root over the socket. */
  async query<T = unknown>(sql: string): Promise<T> {
    const conn = await mysql.createConnection({ socketPath: this.socket, user: 'root', multipleStatements: true });
    try {
      const [rows] = await conn.query(sql);
      return rows as T;
    } finally {
      conn.destroy();
    }
  }

  get pid(): number {
    return this.process.pid as number;
  }

  output(): string {
    return this.log();
  }

  async stop(): Promise<void> {
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
    await this.process;
    clearTimeout(timer);
  }
}

export interface ReplicatedPair {
  primary: MariaDb;
  replica: MariaDb;
  stop(): Promise<void>;
}

/**
 * A primary and a read-only replica of it, with the check user `tandem` (password in
 * `password`) able to read replica status, on both once the replica has it.
 */
export async function startReplicatedPair(password: string): Promise<ReplicatedPair> {
  requireMariadb();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tandem-mariadb-'));
  const servers: MariaDb[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run('mariadb-install-db', ['--no-defaults', `--datadir=${dir}/primary`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], { timeout: 60_000 });
    await cp(`${dir}/primary`, `${dir}/replica`, { recursive: true });
    const primary = await MariaDb.start(`${dir}/primary`, 1);
    servers.push(primary);
    const replica = await MariaDb.start(`${dir}/replica`, 2);
    servers.push(replica);
    await primary.query(
      `CREATE USER repl@'127.0.0.1' IDENTIFIED BY 'repl-secret'; GRANT REPLICATION SLAVE ON *.* TO repl@'127.0.0.1';
       CREATE USER tandem@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT PROCESS, SLAVE MONITOR ON *.* TO tandem@'127.0.0.1';
       CREATE DATABASE app; CREATE TABLE app.ticks (at TIMESTAMP(3)); GRANT SELECT ON app.* TO tandem@'127.0.0.1';`,
    );
    await replica.query(
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port}, MASTER_USER='repl', MASTER_PASSWORD='repl-secret', MASTER_USE_GTID=slave_pos;
       START SLAVE; SET GLOBAL read_only=1;`,
    );
    for (let i = 0; i < 100; i++) {
      const users = await replica.query<unknown[]>("SELECT 1 FROM mysql.user WHERE user = 'tandem'");
      if (users.length) return { primary, replica, stop };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the replica did not replicate the check user in 10 s:\n${replica.output()}`);
  } catch (err) {
    await stop();
    throw err;
  }
}
