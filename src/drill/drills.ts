import { controlRequest } from '../daemon/control.js';
import type { DrillSpec } from './run.js';
import { masterOf } from './timeline.js';

/**
 * handover: the master steps down gracefully (as for maintenance); another director must
 * become master. The old master holds back from preempting for `holdSeconds`.
 */
export function handover(holdSeconds: number): DrillSpec {
  return {
    name: 'handover',
    act: async (ctx) => {
      ctx.note(`step-down sent to ${ctx.master.name} (hold ${holdSeconds} s)`);
      await controlRequest(ctx.master.socket, { command: 'step-down', holdSeconds });
    },
    settled: (ctx) => {
      const m = masterOf(ctx.latest());
      return m !== null && m !== ctx.master.name;
    },
  };
}

export const DRILLS = ['handover'] as const;
