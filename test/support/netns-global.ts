import { existsSync } from 'node:fs';
import path from 'node:path';
import { removeStaleNamespaces, requireRoot } from './netns.js';
import { ROOT } from './pair.js';
import { program } from './programs.js';

/** Before the namespace suites: root, the system tools they drive, a built CLI, no leftovers. */
export default async function setup(): Promise<void> {
  requireRoot();
  // The ones every suite drives; each program a test starts is checked again as it starts.
  for (const tool of ['ip', 'arping', 'ping', 'keepalived', 'haproxy', 'tcpdump']) program(tool);
  if (!existsSync(path.join(ROOT, 'dist/bundle/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (scripts/test does)');
  }
  await removeStaleNamespaces();
}
