// A worker of scripts/lib/bench-sim.ts: loads it through tsx (a worker does not inherit the
// parent's --import hooks on Node.js 20).
import { register } from 'tsx/esm/api';

register();
await import('./bench-sim.ts');
