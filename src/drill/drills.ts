import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { controlRequest } from '../daemon/control.js';
import { run } from '../net/exec.js';
import type { DrillContext, DrillSpec } from './run.js';
import { masterOf, singleOwner } from './timeline.js';

/**
 * The drills. handover and crash need only the directors' state dirs; the others act on the
 * network or a real server through commands the operator gives (argument arrays, no shell),
 * where `{master}` and `{other}` stand for the directors' names.
 */
export interface DrillCommands {
  cut?: string[];
  heal?: string[];
  restart?: string[];
  stop?: string[];
  start?: string[];
}

export const DRILLS = ['handover', 'crash', 'link', 'partition', 'real-server'] as const;
export type DrillName = (typeof DRILLS)[number];

const newMaster = (ctx: DrillContext) => {
  const m = masterOf(ctx.latest());
  return m !== null && m !== ctx.master.name;
};
/**
 * Every director answers and is back in the election (none in FAULT or INIT: a healed link's
 * director counts only once its fault has cleared), and exactly one is master.
 */
const oneMaster = (ctx: DrillContext) =>
  ctx.latest().every((s) => s.instances.length > 0 && s.instances.every((i) => i.state === 'MASTER' || i.state === 'BACKUP')) &&
  masterOf(ctx.latest()) !== null &&
  singleOwner(ctx.latest());

async function command(ctx: DrillContext, what: string, argv: string[] | undefined): Promise<void> {
  if (!argv?.length) throw new Error(`this drill needs --${what} (a command as a JSON array)`);
  const words = argv.map((w) => w.replaceAll('{master}', ctx.master.name).replaceAll('{other}', ctx.others[0]?.name ?? ''));
  ctx.note(`${what}: ${words.join(' ')}`);
  await run(words[0] as string, words.slice(1), { timeoutMs: 30_000 });
}

export function drill(name: DrillName, o: { holdSeconds: number; server?: string; commands: DrillCommands }): DrillSpec {
  const c = o.commands;
  switch (name) {
    case 'handover':
      return {
        name,
        act: async (ctx) => {
          ctx.note(`step-down sent to ${ctx.master.name} (hold ${o.holdSeconds} s)`);
          await controlRequest(ctx.master.socket, { command: 'step-down', holdSeconds: o.holdSeconds });
        },
        settled: newMaster,
      };
    case 'crash':
      return {
        name,
        act: async (ctx) => {
          const pid = Number((await readFile(path.join(path.dirname(ctx.master.socket), 'tandem.pid'), 'utf8')).trim());
          ctx.note(`SIGKILL to tandem on ${ctx.master.name} (pid ${pid})`);
          process.kill(pid, 'SIGKILL');
        },
        settled: newMaster,
        restore: c.restart ? (ctx) => command(ctx, 'restart', c.restart) : undefined,
        restored: oneMaster,
      };
    case 'link':
      return { name, act: (ctx) => command(ctx, 'cut', c.cut), settled: newMaster, restore: (ctx) => command(ctx, 'heal', c.heal), restored: oneMaster };
    case 'partition':
      return {
        name,
        act: (ctx) => command(ctx, 'cut', c.cut),
        // Cut off from each other, both directors take the VIPs: the drill waits for that...
        settled: (ctx) => ctx.latest().every((s) => s.instances.every((i) => i.state === 'MASTER')),
        restore: (ctx) => command(ctx, 'heal', c.heal),
        // ...and for exactly one to keep them once the path is back.
        restored: oneMaster,
      };
    case 'real-server': {
      const server = o.server;
      if (!server) throw new Error('the real-server drill needs --server ADDRESS:PORT');
      const health = (ctx: DrillContext) => ctx.latest().flatMap((s) => Object.entries(s.servers).filter(([k]) => k.endsWith(` ${server}`)).map(([, up]) => up));
      return {
        name,
        act: (ctx) => command(ctx, 'stop', c.stop),
        settled: (ctx) => health(ctx).length > 0 && health(ctx).every((up) => !up),
        restore: (ctx) => command(ctx, 'start', c.start),
        restored: (ctx) => health(ctx).length > 0 && health(ctx).every((up) => up),
      };
    }
  }
}
