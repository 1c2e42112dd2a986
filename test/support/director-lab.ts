import { afterAll, beforeAll } from 'vitest';
import type { HostSpec } from './netns.js';
import { Lab } from './netns.js';
import { TandemNodes } from './pair.js';

export const DIRECTORS: HostSpec[] = [
  { name: 'dir1', address: '192.0.2.1/24' },
  { name: 'dir2', address: '192.0.2.2/24' },
];

/**
 * Inside a describe: the two directors (and `extra` hosts) on one bridge, with tandem nodes,
 * built before its tests and removed after them, also when they fail.
 */
export function withDirectorLab(extra: HostSpec[] = []): { lab: Lab; nodes: TandemNodes } {
  const ctx = {} as { lab: Lab; nodes: TandemNodes };
  beforeAll(async () => {
    ctx.lab = await Lab.create([...DIRECTORS, ...extra]);
    ctx.nodes = await TandemNodes.create(ctx.lab);
  });
  afterAll(async () => {
    await ctx.lab?.destroy();
    await ctx.nodes?.cleanup();
  });
  return ctx;
}
