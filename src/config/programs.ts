import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Problem } from './parse.js';
import type { Config } from './schema.js';
import { checkPlaces } from './checks-of.js';

/*
 * Tracking scripts, script checks and HAProxy (client_address) whose program cannot be run here: warned about at load
 * (`tandem check`, start, reload). Such a script fails every time; Keepalived, given a script
 * it cannot access, disables the check instead and keeps the server in, so a migrated config
 * whose scripts were not copied over would behave otherwise.
 */

/** Where argv[0] runs from: itself when it has a slash, else the first PATH entry that has it. */
export async function findProgram(program: string, envPath = process.env.PATH ?? '/usr/bin:/bin'): Promise<string | undefined> {
  const candidates = program.includes('/') ? [program] : envPath.split(':').filter(Boolean).map((dir) => path.join(dir, program));
  for (const file of candidates) {
    if (await access(file, constants.X_OK).then(() => true, () => false)) return file;
  }
  return undefined;
}

export async function missingPrograms(config: Config, envPath?: string): Promise<Problem[]> {
  const uses: { path: Problem['path']; program: string; effect: string }[] = [];
  for (const [name, script] of Object.entries(config.scripts)) {
    uses.push({ path: ['scripts', name, 'command'], program: script.command[0] as string, effect: 'the script fails every time, as if what it tracks were down' });
  }
  for (const { check, path } of checkPlaces(config)) {
    if (check.type === 'script' && check.command) {
      uses.push({ path: [...path, 'command'], program: check.command[0] as string, effect: 'the check fails every time and its real servers stay out (Keepalived would disable the check and keep them in)' });
    }
  }
  const proxied = config.virtual_services.findIndex((vs) => vs.client_address);
  if (proxied >= 0) {
    uses.push({ path: ['virtual_services', proxied, 'client_address'], program: 'haproxy', effect: 'the services whose client address is passed on are not carried at all: install haproxy (apt-get install haproxy)' });
  }
  // One look-up per program, however many checks run it (a service's thousand servers).
  const found = new Map<string, Promise<string | undefined>>();
  const lookUp = (program: string) => found.get(program) ?? found.set(program, findProgram(program, envPath)).get(program);
  const problems: Problem[] = [];
  for (const use of uses) {
    if (!(await lookUp(use.program))) {
      problems.push({ path: use.path, message: `${use.program} cannot be run here (not found, or not executable): ${use.effect}`, rule: 'program' });
    }
  }
  return problems;
}
