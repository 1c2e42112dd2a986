import { formatIssue } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { Daemon } from '../daemon/daemon.js';
import { ExecThread } from '../net/exec-thread.js';
import { createLogger } from '../observe/log.js';
import type { LogFormat } from '../observe/log.js';

/** Runs the daemon in the foreground until SIGTERM or SIGINT, then stops gracefully. */
export async function runCommand(configFile: string, stateDir: string, dryRun = false, logFormat: LogFormat = 'json'): Promise<number> {
  const log = createLogger(undefined, logFormat, false);
  // Node's own warnings (a listener limit, a deprecation) as log lines, not bare text on stderr.
  process.removeAllListeners('warning');
  process.on('warning', (w) => log.warn({ warning: w.name }, `node: ${w.message}`));
  // Every command this thread runs (ip, arping, scripts) is forked on a thread of its own,
  // started first: it boots while the config is read.
  const exec = new ExecThread((err) => {
    log.fatal({ err: err.message }, `the exec thread failed (${err.message}); stopping so that the peer takes over`);
    process.kill(process.pid, 'SIGTERM');
  }).install();
  let daemon: Daemon;
  try {
    const loaded = await loadConfig(configFile);
    for (const w of loaded.warnings) log.warn({ rule: w.rule }, `config: ${formatIssue(w)}`);
    daemon = await Daemon.start(loaded, { stateDir, log, dryRun, logFormat });
  } catch (err) {
    await exec.stop();
    throw err;
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, `${signal}: stopping`);
      daemon.stop().finally(() => exec.stop()).then(
        () => resolve(0),
        (err: Error) => {
          log.error({ err: err.message }, `stop failed: ${err.message}`);
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    // SIGHUP reloads, as Keepalived's does; a refused file is logged and the running config stays.
    process.on('SIGHUP', () => void daemon.reload('SIGHUP').catch(() => undefined));
  });
}
