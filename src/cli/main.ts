import { parseArgs } from 'node:util';
import { ConfigError } from '../config/errors.js';

// Each command loads its own modules when it runs: `tandem status` should not pay for the
// daemon, the schema compiler and the checkers (on a slow kernel, seconds per call).
const load = {
  check: () => import('./check.js'),
  cleanup: () => import('./cleanup.js'),
  drill: () => import('./drill.js'),
  import: () => import('./import.js'),
  run: () => import('./run.js'),
  status: () => import('./status.js'),
};

export const DEFAULT_STATE_DIR = '/run/tandem';

const USAGE = `usage: tandem COMMAND [options]

commands:
  run --config FILE [--state-dir DIR] [--dry-run] [--log-format json|pretty]
                                             run the daemon in the foreground; --dry-run prints
                                             the ipvsadm batch it would apply and applies nothing;
                                             the config file is watched and reloaded on change
  check --config FILE                        validate a config; exit 1 with every error
  status [--state-dir DIR] [--json]          instances, masters, real server health, IPVS
  reload [--state-dir DIR]                   reload the config now (as SIGHUP); exit 1 with the
                                             errors when the file is refused
  garp [--state-dir DIR] [--instance NAME]   announce the VIPs of master instances again
  drain SERVER [--state-dir DIR]             weight 0 for SERVER (ADDRESS:PORT or ADDRESS) in
                                             every service: its connections finish, no new ones
  undrain SERVER [--state-dir DIR]           put a drained server back
  drain-director [--state-dir DIR] [--timeout SECONDS]
                                             cluster mode: withdraw this director's routes,
                                             wait for its connections to finish (default 60 s)
  undrain-director [--state-dir DIR]         cluster mode: announce the routes again
  step-down [--state-dir DIR] [--instance NAME] [--hold SECONDS]
                                             hand the VIPs to the peer (maintenance, drills)
  drill NAME --node NAME=DIR --node NAME=DIR --vip ADDRESS [...]
                                             handover, crash, link, partition or real-server,
                                             under a client probing the VIP; measured and
                                             judged (tandem drill --help)
  cleanup --config FILE [--state-dir DIR]    remove the VIPs a crashed daemon left behind
                                             (systemd ExecStopPost); refuses while one runs
  import-keepalived FILE [--strict] [--config-id ID]
                                             print a keepalived.conf (and its includes) as tandem
                                             YAML; --strict: exit 1 if tandem would behave otherwise;
                                             --config-id: the id @ID lines are read for (Keepalived's -i)

--state-dir defaults to ${DEFAULT_STATE_DIR}. tandem --version prints the version.`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  run: (args) => {
    const { values } = parseArgs({
      args,
      options: { config: { type: 'string' }, 'state-dir': { type: 'string' }, 'dry-run': { type: 'boolean' }, 'log-format': { type: 'string' } },
    });
    const format = values['log-format'] ?? 'json';
    if (format !== 'json' && format !== 'pretty') throw new UsageError(`--log-format must be json or pretty, got "${format}"`);
    return load.run().then((m) => m.runCommand(required(values.config, '--config'), values['state-dir'] ?? DEFAULT_STATE_DIR, values['dry-run'] ?? false, format));
  },
  check: (args) => {
    const { values } = parseArgs({ args, options: { config: { type: 'string' } } });
    return load.check().then((m) => m.checkCommand(required(values.config, '--config')));
  },
  status: (args) => {
    const { values } = parseArgs({ args, options: { 'state-dir': { type: 'string' }, json: { type: 'boolean' } } });
    return load.status().then((m) => m.statusCommand(values['state-dir'] ?? DEFAULT_STATE_DIR, values.json ?? false));
  },
  reload: (args) => {
    const { values } = parseArgs({ args, options: { 'state-dir': { type: 'string' } } });
    return load.status().then((m) => m.reloadCommand(values['state-dir'] ?? DEFAULT_STATE_DIR));
  },
  garp: (args) => {
    const { values } = parseArgs({ args, options: { 'state-dir': { type: 'string' }, instance: { type: 'string' } } });
    return load.status().then((m) => m.garpCommand(values['state-dir'] ?? DEFAULT_STATE_DIR, values.instance));
  },
  cleanup: (args) => {
    const { values } = parseArgs({ args, options: { config: { type: 'string' }, 'state-dir': { type: 'string' } } });
    return load.cleanup().then((m) => m.cleanupCommand(required(values.config, '--config'), values['state-dir'] ?? DEFAULT_STATE_DIR));
  },
  drill: (args) => {
    return load.drill().then((m) => {
      if (!args.includes('--help')) return m.drillCommand(args, (message) => new UsageError(message));
      console.log(m.DRILL_USAGE);
      return 0;
    });
  },
  'drain-director': (args) => directorDrainArgs(args, true),
  'undrain-director': (args) => directorDrainArgs(args, false),
  drain: (args) => drainArgs(args, true),
  undrain: (args) => drainArgs(args, false),
  'step-down': (args) => {
    const { values } = parseArgs({
      args,
      options: { 'state-dir': { type: 'string' }, instance: { type: 'string' }, hold: { type: 'string' } },
    });
    const hold = values.hold === undefined ? undefined : Number(values.hold);
    if (hold !== undefined && !(hold >= 0)) throw new UsageError(`--hold must be a number of seconds, got "${values.hold}"`);
    return load.status().then((m) => m.stepDownCommand(values['state-dir'] ?? DEFAULT_STATE_DIR, values.instance, hold));
  },
  'import-keepalived': (args) => {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { strict: { type: 'boolean' }, 'config-id': { type: 'string' } } });
    if (positionals.length !== 1) throw new UsageError('import-keepalived takes one file');
    return load.import().then((m) => m.importCommand(positionals[0] as string, values.strict ?? false, values['config-id']));
  },
};

function drainArgs(args: string[], drain: boolean): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'state-dir': { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError(`${drain ? 'drain' : 'undrain'} takes one server: ADDRESS:PORT or ADDRESS`);
  return load.status().then((m) => m.drainCommand(values['state-dir'] ?? DEFAULT_STATE_DIR, positionals[0] as string, drain));
}

function directorDrainArgs(args: string[], drain: boolean): Promise<number> {
  const { values } = parseArgs({ args, options: { 'state-dir': { type: 'string' }, ...(drain ? { timeout: { type: 'string' as const } } : {}) } });
  const timeout = Number((values as { timeout?: string }).timeout ?? 60);
  if (!(timeout >= 0)) throw new UsageError(`--timeout must be a number of seconds, got "${(values as { timeout?: string }).timeout}"`);
  return load.status().then((m) => m.drainDirectorCommand(values['state-dir'] ?? DEFAULT_STATE_DIR, drain, timeout));
}

class UsageError extends Error {}

/** The version in package.json, which ships beside dist/ (npm and the Debian package alike). */
async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === 'version') {
    console.log(`tandem ${await version()}`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`tandem: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`tandem ${name}: ${(err as Error).message}`);
    if (usage) console.error(`\n${USAGE}`);
    return usage ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
