import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import type { CheckOutcome, CheckTarget } from './types.js';
import { errorText } from './types.js';

export interface MysqlCheckOptions {
  user: string;
  password?: string;
  database?: string;
  /** Must return at least one row. */
  query: string;
  /** Seconds; set: the server must be a running replica at most this far behind. */
  maxReplicationLag?: number;
  /** Set: the server's read_only must be this. */
  readOnly?: boolean;
  timeoutMs: number;
}

/**
 * MySQL/MariaDB: log in, run the query, then the replication and read_only expectations.
 * Password and user never appear in the message.
 */
export async function checkMysql(target: CheckTarget, opts: MysqlCheckOptions, signal: AbortSignal): Promise<CheckOutcome> {
  let conn: mysql.Connection | undefined;
  const onAbort = () => conn?.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    conn = await mysql.createConnection({
      host: target.address,
      port: target.port,
      localAddress: target.source,
      user: opts.user,
      password: opts.password,
      database: opts.database,
      connectTimeout: opts.timeoutMs,
    });
    if (signal.aborted) throw new Error('aborted');
    const [rows] = await conn.query<RowDataPacket[]>(opts.query);
    if (!Array.isArray(rows) || rows.length === 0) return { ok: false, message: 'the query returned no row' };
    if (opts.readOnly !== undefined) {
      const [ro] = await conn.query<RowDataPacket[]>('SELECT @@global.read_only AS ro');
      const readOnly = Number(ro[0]?.ro) === 1;
      if (readOnly !== opts.readOnly) return { ok: false, message: readOnly ? 'the server is read-only; a writable one is expected' : 'the server is writable; a read-only one is expected' };
    }
    if (opts.maxReplicationLag !== undefined) {
      const verdict = judgeReplica(await replicaStatus(conn), opts.maxReplicationLag);
      if (!verdict.ok) return verdict;
      return { ok: true, message: `query ok; ${verdict.message}` };
    }
    return { ok: true, message: 'query ok' };
  } catch (err) {
    return { ok: false, message: signal.aborted ? 'no answer before the timeout' : errorText(err) };
  } finally {
    signal.removeEventListener('abort', onAbort);
    conn?.destroy();
  }
}

/** SHOW REPLICA STATUS (MariaDB 10.5+, MySQL 8.0.22+), else the older SHOW SLAVE STATUS. */
async function replicaStatus(conn: mysql.Connection): Promise<Record<string, unknown> | undefined> {
  try {
    const [rows] = await conn.query<RowDataPacket[]>('SHOW REPLICA STATUS');
    return rows[0];
  } catch {
    const [rows] = await conn.query<RowDataPacket[]>('SHOW SLAVE STATUS');
    return rows[0];
  }
}

function field(row: Record<string, unknown>, ...names: string[]): unknown {
  for (const name of names) if (name in row) return row[name];
  return undefined;
}

/** Judges a replica status row (either naming) against the lag allowed. Pure. */
export function judgeReplica(row: Record<string, unknown> | undefined, maxLagSeconds: number): CheckOutcome {
  if (!row) return { ok: false, message: 'not a replica (no replica status)' };
  const io = field(row, 'Replica_IO_Running', 'Slave_IO_Running');
  const sql = field(row, 'Replica_SQL_Running', 'Slave_SQL_Running');
  if (io !== 'Yes' || sql !== 'Yes') return { ok: false, message: `replication stopped (IO thread ${String(io)}, SQL thread ${String(sql)})` };
  const lag = field(row, 'Seconds_Behind_Source', 'Seconds_Behind_Master');
  if (lag === null || lag === undefined) return { ok: false, message: 'replication lag unknown (replica not running)' };
  if (Number(lag) > maxLagSeconds) return { ok: false, message: `replica ${Number(lag)} s behind its source; at most ${maxLagSeconds} s allowed` };
  return { ok: true, message: `replica ${Number(lag)} s behind` };
}
