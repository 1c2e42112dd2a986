import type { RealServer, VirtualService } from './model.js';
import { formatHostPort, realServerId, serviceArgs, serviceId } from './model.js';

/** One ipvsadm operation as an argument list, the same words `ipvsadm-restore` reads. */
export type IpvsCommand = string[];

export interface DiffOptions {
  /** The table is ours alone: services the config does not declare are deleted. */
  exclusive: boolean;
  /** Ids (serviceId) of services an earlier config declared: deleted when still present. */
  retired?: ReadonlySet<string>;
}

function serviceOptions(s: VirtualService): string[] {
  const out = ['-s', s.scheduler];
  if (s.flags.length) out.push('-b', s.flags.join(','));
  if (s.persistence !== undefined) out.push('-p', String(s.persistence));
  if (s.netmask !== undefined) out.push('-M', s.netmask);
  if (s.ops) out.push('-o');
  return out;
}

const METHOD_FLAGS = { masq: '-m', gate: '-g', ipip: '-i' } as const;

function serverOptions(r: RealServer): string[] {
  const out = ['-r', formatHostPort(r.address, r.port), METHOD_FLAGS[r.method], '-w', String(r.weight)];
  if (r.upper) out.push('-x', String(r.upper));
  if (r.lower) out.push('-y', String(r.lower));
  return out;
}

function sameService(a: VirtualService, b: VirtualService): boolean {
  return a.scheduler === b.scheduler && a.flags.join(',') === b.flags.join(',') && a.persistence === b.persistence && a.netmask === b.netmask && !a.ops === !b.ops;
}

function sameServer(a: RealServer, b: RealServer): boolean {
  return a.method === b.method && a.weight === b.weight && a.upper === b.upper && a.lower === b.lower;
}

/**
 * The fewest ipvsadm operations that turn `actual` into `desired`: a new service is one -A and
 * one -a per real server; a changed scheduler or persistence one -E; a changed weight, method or
 * threshold one -e (never a delete and add); a real server gone one -d. Services the config does
 * not declare are left alone unless the table is exclusively ours. Pure, and in a stable order.
 */
export function diffTables(desired: VirtualService[], actual: VirtualService[], options: DiffOptions): IpvsCommand[] {
  const commands: IpvsCommand[] = [];
  const actualById = new Map(actual.map((s) => [serviceId(s), s]));
  const desiredIds = new Set(desired.map(serviceId));
  for (const s of actual) {
    const id = serviceId(s);
    if (!desiredIds.has(id) && (options.exclusive || options.retired?.has(id))) commands.push(['-D', ...serviceArgs(s)]);
  }
  for (const want of desired) {
    const svc = serviceArgs(want);
    const have = actualById.get(serviceId(want));
    if (!have) {
      commands.push(['-A', ...svc, ...serviceOptions(want)]);
      for (const r of want.realServers) commands.push(['-a', ...svc, ...serverOptions(r)]);
      continue;
    }
    if (!sameService(want, have)) commands.push(['-E', ...svc, ...serviceOptions(want)]);
    const haveServers = new Map(have.realServers.map((r) => [realServerId(r), r]));
    const wantIds = new Set(want.realServers.map(realServerId));
    for (const r of have.realServers) {
      if (!wantIds.has(realServerId(r))) commands.push(['-d', ...svc, '-r', formatHostPort(r.address, r.port)]);
    }
    for (const r of want.realServers) {
      const current = haveServers.get(realServerId(r));
      if (!current) commands.push(['-a', ...svc, ...serverOptions(r)]);
      else if (!sameServer(r, current)) commands.push(['-e', ...svc, ...serverOptions(r)]);
    }
  }
  return commands;
}
