import { formatIssue } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { Daemon } from '../daemon/daemon.js';
import { createLogger } from '../observe/log.js';
import type { LogFormat } from '../observe/log.js';

/** Runs the daemon in the foreground until SIGTERM or SIGINT, then stops gracefully. */
export async function runCommand(configFile: string, stateDir: string, dryRun = false, logFormat: LogFormat = 'json'): Promise<number> {
  const log = createLogger(undefined, logFormat, false);
  // Node's own warnings (a listener limit, a deprecation) as log lines, not bare text on stderr.
  process.removeAllListeners('warning');
  process.on('warning', (w) => log.warn({ warning: w.name }, `node: ${w.message}`));
  const loaded = await loadConfig(configFile);
  for (const w of loaded.warnings) log.warn({ rule: w.rule }, `config: ${formatIssue(w)}`);
  const daemon = await Daemon.start(loaded, { stateDir, log, dryRun, logFormat });
  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, `${signal}: stopping`);
      daemon.stop().then(
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
