import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { instanceVips } from '../config/vip.js';

/** A program tandem runs, and the Debian package that has it. */
interface Tool {
  name: string;
  package: string;
  why: string;
}

/** Whether an executable of this name is on PATH. */
async function onPath(name: string, searchPath = process.env.PATH ?? ''): Promise<boolean> {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    try {
      await access(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      /* not in this one */
    }
  }
  return false;
}

/**
 * The programs a config needs: `ip` for any VIP, `arping` for IPv4 VIPs announced by GARP, `iptables`
 * for the takeover grace of a pair with a sync daemon.
 */
export function neededTools(config: Config): Tool[] {
  const vips = config.instances.flatMap((i) => instanceVips(i));
  const tools: Tool[] = [];
  if (vips.length) tools.push({ name: 'ip', package: 'iproute2', why: 'to add and remove the VIPs' });
  if (vips.some((v) => v?.family === 4)) tools.push({ name: 'arping', package: 'iputils-arping', why: 'to announce IPv4 VIPs after a takeover (without it, clients keep the old MAC for minutes)' });
  if (vips.length && config.ipvs.sync_daemon?.takeover_grace) {
    tools.push({ name: 'iptables-restore', package: 'iptables', why: 'for the takeover grace (or set ipvs.sync_daemon.takeover_grace: 0)' });
  }
  return tools;
}

/**
 * Refuses to start without a program a takeover needs: found missing at start, not when the
 * first failover needs it and quietly does without.
 */
export async function checkTools(config: Config, searchPath?: string): Promise<void> {
  const missing: string[] = [];
  for (const tool of neededTools(config)) {
    if (!(await onPath(tool.name, searchPath))) missing.push(`${tool.name} is not installed (needed ${tool.why}): apt-get install ${tool.package}`);
  }
  if (missing.length) throw new Error(missing.join('\n'));
}
