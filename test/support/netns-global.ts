import { execa } from 'execa';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { removeStaleNamespaces, requireRoot } from './netns.js';
import { ROOT } from './pair.js';

/** Before the namespace suites: root, the system tools they drive, a built CLI, no leftovers. */
export default async function setup(): Promise<void> {
  requireRoot();
  const missing: string[] = [];
  for (const tool of ['ip', 'arping', 'ping', 'keepalived', 'haproxy']) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
    if (found.exitCode !== 0) missing.push(tool);
  }
  if (missing.length) {
    throw new Error(`the namespace suites need ${missing.join(', ')}: install them (scripts/test does: apt-get install iproute2 iputils-arping iputils-ping keepalived haproxy)`);
  }
  if (!existsSync(path.join(ROOT, 'dist/bundle/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (scripts/test does)');
  }
  await removeStaleNamespaces();
}
