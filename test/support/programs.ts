import { execa } from 'execa';
import type { Options } from 'execa';
import { spawn as nodeSpawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The one door through which tests, the lab and the benches start programs. A program must be
 * listed in scripts/lib/programs (which the scripts install from) and be found: otherwise the
 * call fails at once, naming the package to install, instead of a test waiting for output
 * that never comes. ESLint keeps execa and node:child_process out of every other test file.
 */

export const PROGRAMS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/lib/programs');

export interface Program {
  name: string;
  package: string;
  /** The scripts that install it: test, lab, bench, vm. */
  scripts: string[];
}

/** Parses the list: `program package script...` per line, `#` comments. */
export function parsePrograms(text: string): Map<string, Program> {
  const list = new Map<string, Program>();
  for (const line of text.split('\n')) {
    const [name, pkg, ...scripts] = line.trim().split(/\s+/);
    if (!name || name.startsWith('#')) continue;
    if (!pkg || scripts.length === 0) throw new Error(`${PROGRAMS_FILE}: "${line.trim()}" needs a package and the scripts that install it`);
    list.set(name, { name, package: pkg, scripts });
  }
  return list;
}

let listed: Map<string, Program> | undefined;
export function programs(): Map<string, Program> {
  listed ??= parsePrograms(readFileSync(PROGRAMS_FILE, 'utf8'));
  return listed;
}

const found = new Set<string>();

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Checks that a program may be started and is installed (on PATH, /usr/sbin or /sbin); returns its name. */
export function program(name: string, searchPath = process.env.PATH ?? ''): string {
  if (found.has(name)) return name;
  if (path.isAbsolute(name) || name.includes('/')) {
    if (!executable(name)) throw new Error(`${name} does not exist or is not executable`);
  } else {
    const entry = programs().get(name);
    if (!entry) throw new Error(`${name} is not in scripts/lib/programs: add it there with its Debian package and the scripts that install it`);
    const dirs = [...searchPath.split(path.delimiter), '/usr/sbin', '/sbin'].filter(Boolean);
    if (!dirs.some((dir) => executable(path.join(dir, name)))) {
      throw new Error(`${name} is not installed: apt-get install ${entry.package} (scripts/${entry.scripts[0]} installs it)`);
    }
  }
  found.add(name);
  return name;
}

/** The programs an argument vector starts: the command, and what `ip netns exec NS` runs. */
export function startedBy(file: string, args: readonly string[]): string[] {
  const nested = file === 'ip' && args[0] === 'netns' && args[1] === 'exec' && args[3] !== undefined ? startedBy(args[3], args.slice(4)) : [];
  return [file, ...nested];
}

function check(file: string, args: readonly string[]): string {
  for (const p of startedBy(file, args)) program(p);
  return file;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export function run<O extends Options = {}>(file: string, args: readonly string[] = [], options?: O) {
  return execa(check(file, args), args, options);
}

export function spawn(file: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  return nodeSpawn(check(file, args), args, options);
}
