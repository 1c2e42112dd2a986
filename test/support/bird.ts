import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Lab } from './netns.js';
import { ip } from './netns.js';

/*
 * BIRD 2 in the labs' namespaces: each host's config, control socket and pid file live in
 * `dir`, named after the host; the process is the lab's (destroy() kills it).
 */

/** Starts BIRD in `host` with `config`; `birdc -s birdSocket(dir, host)` talks to it. */
export async function startBird(lab: Lab, dir: string, host: string, config: string): Promise<void> {
  const file = (name: string) => path.join(dir, `${host}-${name}`);
  await writeFile(file('bird.conf'), config);
  lab.spawn(host, ['bird', '-f', '-c', file('bird.conf'), '-s', file('bird.ctl'), '-P', file('bird.pid')]);
}

export function birdSocket(dir: string, host: string): string {
  return path.join(dir, `${host}-bird.ctl`);
}

/** The next hops of `host`'s kernel route to `prefix`, sorted (one, several with ECMP, or none). */
export async function nextHopsTo(lab: Lab, host: string, prefix: string): Promise<string[]> {
  const [route] = JSON.parse(await ip(['-n', lab.ns(host), '-j', 'route', 'show', prefix])) as { gateway?: string; nexthops?: { gateway: string }[] }[];
  if (!route) return [];
  return (route.nexthops?.map((n) => n.gateway) ?? (route.gateway ? [route.gateway] : [])).sort();
}
