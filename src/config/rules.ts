import type { Problem } from './parse.js';
import type { CheckConfig, Config, RealServerConfig, SorryServerConfig, VirtualServiceConfig } from './schema.js';
import { PROXY_MAX_WEIGHT, PROXY_SCHEDULERS } from '../proxy/haproxy-config.js';
import { serviceName } from './service-name.js';
import { checkPlaces } from './checks-of.js';
import { addressFamily, canonicalAddress, isLinkLocal6 } from '../vrrp/address.js';
import { parseInstanceVip } from './vip.js';
import { keepsPlaceOnFailure } from './scheduler.js';

/** Rules across fields that JSON Schema cannot say. Errors refuse the config; warnings do not. */
export function checkRules(config: Config): { errors: Problem[]; warnings: Problem[] } {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const firstUse = new Map<string, string>();
  const claim = (kind: string, value: string, owner: string, path: Problem['path'], rule: string) => {
    const key = `${kind}:${value}`;
    const previous = firstUse.get(key);
    if (previous) errors.push({ path, message: `${kind} ${value} is already used by ${previous}; each must be unique`, rule });
    else firstUse.set(key, owner);
  };

  const holds = config.static_addresses.length + config.static_routes.length + config.static_rules.length;
  if (!config.instances.length && !config.virtual_services.length && !holds) {
    errors.push({ path: [], message: 'nothing to do: no instances, no virtual_services and no static addresses, routes or rules (is this the right file?)', rule: 'empty-config' });
  }
  config.static_addresses.forEach((text, k) => {
    const address = parseInstanceVip(text);
    if (!address) return;
    if (address.dev === undefined) errors.push({ path: ['static_addresses', k], message: `a static address needs its interface: \`${text} dev IFNAME\``, rule: 'static-address' });
    // A VIP and a static address at once: the VIP's master would take it away, and a backup keep it.
    else claim('VIP', address.address, 'static_addresses', ['static_addresses', k], 'unique-vip');
  });

  config.instances.forEach((inst, i) => {
    const at = (...rest: (string | number)[]) => ['instances', i, ...rest];
    claim('name', inst.name, `instance ${i}`, at('name'), 'unique-name');
    claim('vrid', String(inst.vrid), `instance ${inst.name}`, at('vrid'), 'unique-vrid');
    const cs = inst.advert_interval * 100;
    if (Math.abs(cs - Math.round(cs)) > 1e-6) {
      errors.push({ path: at('advert_interval'), message: `must be a multiple of 0.01 s (adverts carry centiseconds), got ${inst.advert_interval}`, rule: 'centiseconds' });
    }
    inst.vips.forEach((text, v) => {
      const vip = parseInstanceVip(text);
      if (vip) claim('VIP', vip.address, `instance ${inst.name}`, at('vips', v), 'unique-vip');
    });
    inst.track_scripts.forEach((t, s) => {
      const name = typeof t === 'string' ? t : t.script;
      if (!(name in config.scripts)) {
        const known = Object.keys(config.scripts);
        errors.push({ path: at('track_scripts', s), message: `no script named "${name}" in scripts (defined: ${known.join(', ') || 'none'})`, rule: 'unknown-script' });
      }
    });
    inst.track_files.forEach((t, f) => {
      const name = typeof t === 'string' ? t : t.file;
      if (!(name in config.files)) errors.push({ path: at('track_files', f), message: unknownFile(name, config), rule: 'unknown-file' });
    });
    if (inst.virtual_mac_interface !== undefined && !inst.virtual_mac) {
      errors.push({ path: at('virtual_mac_interface'), message: 'a virtual MAC interface name without `virtual_mac: true`: add it, or remove the name', rule: 'virtual-mac' });
    }
    if (inst.virtual_mac) {
      // A VIP with a `dev` of its own is not on the virtual MAC.
      const v6 = inst.vips.findIndex((text) => {
        const v = parseInstanceVip(text);
        return v?.family === 6 && (v.dev === undefined || v.dev === inst.interface);
      });
      if (v6 >= 0) errors.push({ path: at('vips', v6), message: 'virtual_mac holds IPv4 VIPs only (the IPv6 virtual MAC is not supported): give IPv6 VIPs an instance of their own', rule: 'virtual-mac' });
      const name = inst.virtual_mac_interface ?? `vrrp.${inst.vrid}`;
      claim('virtual MAC interface', name, `instance ${inst.name}`, at('virtual_mac_interface'), 'unique-vmac');
      if (name === inst.interface) errors.push({ path: at('virtual_mac_interface'), message: `the virtual MAC interface cannot be the instance's own interface (${name})`, rule: 'virtual-mac' });
    }
    const peerFamilies = new Set((inst.unicast_peers ?? []).map(addressFamily));
    if (peerFamilies.size > 1 || (inst.source_address && peerFamilies.size && !peerFamilies.has(addressFamily(inst.source_address)))) {
      errors.push({ path: at('unicast_peers'), message: 'unicast peers must all be of the source address\'s family (IPv4 or IPv6): adverts leave from one socket', rule: 'family' });
    }
    if (inst.source_address && isLinkLocal6(inst.source_address)) {
      errors.push({ path: at('source_address'), message: 'a link-local IPv6 source cannot be bound without its zone; give a global or unique local IPv6 address', rule: 'family' });
    }
    const tracks = inst.track_interfaces.length + inst.track_scripts.length + inst.track_files.length;
    if (inst.priority === 255 && tracks > 0) {
      warnings.push({ path: at('priority'), message: 'an address owner (255) keeps its priority: tracking weights do not apply, only FAULT does', rule: 'owner-tracking' });
    }
  });

  const names = new Map(config.instances.map((inst) => [inst.name, inst]));
  const grouped = new Map<string, string>();
  config.sync_groups.forEach((group, g) => {
    const priorities = new Set<number>();
    group.instances.forEach((name, m) => {
      const path = ['sync_groups', g, 'instances', m];
      const inst = names.get(name);
      if (!inst) {
        errors.push({ path, message: `no instance named "${name}" (defined: ${[...names.keys()].join(', ')})`, rule: 'unknown-instance' });
        return;
      }
      priorities.add(inst.priority);
      const other = grouped.get(name);
      if (other) errors.push({ path, message: `instance "${name}" is already in sync group "${other}"; an instance joins at most one`, rule: 'one-group' });
      else grouped.set(name, group.name);
    });
    if (priorities.size > 1) {
      warnings.push({ path: ['sync_groups', g], message: `members have different priorities (${[...priorities].join(', ')}); give them one priority so they elect alike`, rule: 'sync-priority' });
    }
  });
  checkVirtualServices(config, errors, warnings);
  config.announce?.addresses?.forEach((address, a) => {
    const served = config.virtual_services.some((s) => s.address !== undefined && canonicalAddress(s.address) === canonicalAddress(address));
    if (!served) warnings.push({ path: ['announce', 'addresses', a], message: `no virtual service on ${address}: it is announced whatever the health of the real servers`, rule: 'announce-unserved' });
  });
  for (const { check: c, path } of checkPlaces(config)) {
    if (c.file !== undefined && !(c.file in config.files)) errors.push({ path: [...path, 'file'], message: unknownFile(c.file, config), rule: 'unknown-file' });
  }
  const services = new Set(config.virtual_services.map(serviceName));
  config.instances.forEach((inst, i) => {
    inst.track_services.forEach((t, k) => {
      const name = typeof t === 'string' ? t : t.service;
      if (!services.has(name)) {
        const path = ['instances', i, 'track_services', k, ...(typeof t === 'string' ? [] : ['service'])];
        errors.push({ path, message: `no virtual service named "${name}" (named: ${[...services].join(', ') || 'none'}); give the service a \`name\``, rule: 'unknown-service' });
      }
    });
  });
  return { errors, warnings };
}

const FLAGS_OF: Record<string, string[]> = { sh: ['sh-fallback', 'sh-port'], mh: ['mh-fallback', 'mh-port'] };

/** A service names its VIP and port (or its mark), once; real servers match its family, once each. */
function checkVirtualServices(config: Config, errors: Problem[], warnings: Problem[]): void {
  const seen = new Map<string, number>();
  config.virtual_services.forEach((vs, v) => {
    const at = (...rest: (string | number)[]) => ['virtual_services', v, ...rest];
    const need = (key: 'address' | 'port' | 'fwmark', why: string) => {
      if (vs[key] === undefined) errors.push({ path: at(), message: `missing required key "${key}" ${why}`, rule: 'required' });
    };
    const forbid = (key: 'address' | 'port' | 'fwmark', why: string) => {
      if (vs[key] !== undefined) errors.push({ path: at(key), message: `not allowed ${why}`, rule: 'service-shape' });
    };
    if (vs.protocol === 'fwmark') {
      need('fwmark', 'for a fwmark service');
      forbid('address', 'for a fwmark service (the mark selects the packets)');
      forbid('port', 'for a fwmark service (the mark selects the packets)');
    } else {
      need('address', `for a ${vs.protocol} service`);
      need('port', `for a ${vs.protocol} service`);
      forbid('fwmark', `for a ${vs.protocol} service (use protocol: fwmark)`);
    }
    if (vs.protocol !== 'fwmark' && vs.port === 0 && !vs.persistence) {
      errors.push({ path: at('port'), message: 'port 0 (every port) needs `persistence`: the kernel refuses it otherwise', rule: 'service-shape' });
    }
    const family = vs.protocol === 'fwmark' ? (vs.family === 'ipv6' ? 6 : 4) : vs.address ? addressFamily(vs.address) : undefined;
    const id = vs.protocol === 'fwmark' ? `fwmark ${vs.fwmark} ${vs.family}` : `${vs.protocol} ${vs.address} ${vs.port}`;
    const previous = seen.get(id);
    if (previous !== undefined) errors.push({ path: at(), message: `the same service as virtual_services[${previous}]; each must be unique`, rule: 'unique-service' });
    else seen.set(id, v);
    const allowed = FLAGS_OF[vs.scheduler];
    vs.scheduler_flags.forEach((flag, f) => {
      if (/^(sh|mh)-/.test(flag) && !allowed?.includes(flag)) {
        errors.push({ path: at('scheduler_flags', f), message: `${flag} is a flag of the ${flag.slice(0, 2)} scheduler, not of ${vs.scheduler}`, rule: 'scheduler-flag' });
      }
    });
    if (config.announce && vs.scheduler === 'mh' && !keepsPlaceOnFailure(vs)) {
      warnings.push({
        path: at('scheduler_flags'),
        message:
          "without mh-fallback a failed real server leaves the kernel's list and comes back at its head; the Maglev table follows that order, so directors that saw different flaps pick different servers for some flows. Add mh-fallback: a failed server then stays in place at weight 0",
        rule: 'mh-order',
      });
    }
    if (vs.one_packet && vs.protocol === 'tcp') {
      errors.push({ path: at('one_packet'), message: 'one-packet scheduling is for UDP (and fwmark) services; the kernel ignores it for TCP', rule: 'one-packet' });
    }
    if (vs.client_address) clientAddressRules(vs, at, errors);
    if (vs.persistence?.netmask && family === 6) {
      errors.push({ path: at('persistence', 'netmask'), message: 'an IPv4 netmask on an IPv6 service', rule: 'family' });
    }
    const servers = new Set<string>();
    const checkServer = (rs: { address: string; port: number; method: string; upper_threshold: number; lower_threshold: number }, path: (string | number)[]) => {
      const port = vs.port ?? 0;
      if (rs.method !== 'nat' && rs.method !== 'fullnat' && rs.port !== port) {
        warnings.push({ path: [...path, 'port'], message: `a ${rs.method} real server receives on the service's port (${port}); ${rs.port} is ignored by the kernel`, rule: 'dr-port' });
      }
      if (family !== undefined && addressFamily(rs.address) !== family) {
        errors.push({ path: [...path, 'address'], message: `an IPv${addressFamily(rs.address)} real server in an IPv${family} service`, rule: 'family' });
      }
      // The kernel refuses lower > upper (ERANGE), upper 0 included.
      if (rs.lower_threshold > rs.upper_threshold) {
        errors.push({ path: [...path, 'lower_threshold'], message: `lower_threshold ${rs.lower_threshold} is above upper_threshold ${rs.upper_threshold}; the kernel refuses it`, rule: 'thresholds' });
      }
    };
    if (vs.check) checkCheck(vs.check, undefined, at('check'), errors, true);
    vs.real_servers.forEach((rs, r) => {
      if (rs.check && rs.checks) errors.push({ path: at('real_servers', r, 'checks'), message: 'give `check` or `checks`, not both', rule: 'service-shape' });
      if (rs.checks) rs.checks.forEach((c, k) => checkCheck(c, rs.port, at('real_servers', r, 'checks', k), errors, true));
      else if (rs.check) checkCheck(rs.check, rs.port, at('real_servers', r, 'check'), errors, true);
      else if (vs.check) checkCheck(vs.check, rs.port, at('real_servers', r), errors, false);
      const key = `${canonicalAddress(rs.address)} ${rs.port}`;
      if (servers.has(key)) errors.push({ path: at('real_servers', r), message: `real server ${rs.address}:${rs.port} is listed twice`, rule: 'unique-real-server' });
      servers.add(key);
      checkServer(rs, at('real_servers', r));
    });
    if (vs.sorry_server) checkServer(vs.sorry_server, at('sorry_server'));
  });
}

/** A service whose client address is passed on is carried by HAProxy (src/proxy): what it can do. */
function clientAddressRules(vs: VirtualServiceConfig, at: (...p: (string | number)[]) => (string | number)[], errors: Problem[]): void {
  const refuse = (path: (string | number)[], message: string) => errors.push({ path, message, rule: 'client-address' });
  if (vs.protocol !== 'tcp' || vs.port === 0) refuse(at('client_address'), 'the client address is passed on in a TCP stream: a tcp service with a port');
  if (!PROXY_SCHEDULERS.includes(vs.scheduler)) refuse(at('scheduler'), `${vs.scheduler} has no equivalent in HAProxy, which carries this service (client_address); use one of ${PROXY_SCHEDULERS.join(', ')}`);
  const servers: [RealServerConfig | SorryServerConfig, (string | number)[]][] = vs.real_servers.map((rs, r) => [rs, at('real_servers', r)]);
  if (vs.sorry_server) servers.push([vs.sorry_server, at('sorry_server')]);
  for (const [rs, path] of servers) {
    if (rs.method !== 'fullnat') refuse([...path, 'method'], `client_address is for fullnat services (the real servers answer the director): ${rs.method} here`);
    if (rs.weight > PROXY_MAX_WEIGHT) refuse([...path, 'weight'], `HAProxy weights go up to ${PROXY_MAX_WEIGHT}; scale the service's weights down`);
    if (rs.upper_threshold || rs.lower_threshold) refuse([...path, 'upper_threshold'], 'connection thresholds are IPVS\'s; HAProxy, which carries this service (client_address), would queue the connections instead');
  }
}

function unknownFile(name: string, config: Config): string {
  return `no file named "${name}" in files (defined: ${Object.keys(config.files).join(', ') || 'none'})`;
}

const ONLY_FOR: Record<string, CheckConfig['type'][]> = {
  path: ['http', 'https'],
  method: ['http', 'https'],
  host: ['http', 'https'],
  status: ['http', 'https'],
  body_match: ['http', 'https'],
  body_not_match: ['http', 'https'],
  digest: ['http', 'https'],
  urls: ['http', 'https'],
  sni: ['https'],
  verify_tls: ['https'],
  ca_file: ['https'],
  user: ['mysql', 'script'],
  password_file: ['mysql'],
  password_env: ['mysql'],
  database: ['mysql'],
  query: ['mysql'],
  max_replication_lag: ['mysql'],
  read_only: ['mysql'],
  command: ['script'],
  dynamic: ['script'],
  file: ['file'],
  file_weight: ['file'],
  payload: ['udp'],
  require_reply: ['udp'],
  query_name: ['dns'],
  query_type: ['dns'],
  helo: ['smtp'],
  connect_port: ['tcp', 'http', 'https', 'mysql', 'udp', 'dns', 'smtp'],
};

/** A request's body patterns compile. */
function checkRegexes(request: { body_match?: string; body_not_match?: string }, path: (string | number)[], errors: Problem[]): void {
  for (const key of ['body_match', 'body_not_match'] as const) {
    const source = request[key];
    if (source === undefined) continue;
    try {
      new RegExp(source);
    } catch (err) {
      errors.push({ path: [...path, key], message: `not a valid regular expression: ${(err as Error).message}`, rule: 'regex' });
    }
  }
}

/**
 * A check's options fit its type (`shape`: a service's check is checked for it once), and it
 * has a port to check on the real server `port` (undefined: not known here).
 */
function checkCheck(c: CheckConfig, port: number | undefined, path: (string | number)[], errors: Problem[], shape: boolean): void {
  if (shape) {
    for (const [key, types] of Object.entries(ONLY_FOR)) {
      if (key in c && !types.includes(c.type)) {
        errors.push({ path: [...path, key], message: `applies to ${types.join(' and ')} checks, not ${c.type}`, rule: 'check-option' });
      }
    }
    if (c.type === 'mysql' && !c.user) errors.push({ path, message: 'missing required key "user" for a mysql check', rule: 'required' });
    if (c.type === 'script' && !c.command) errors.push({ path, message: 'missing required key "command" for a script check', rule: 'required' });
    if (c.type === 'file' && !c.file) errors.push({ path, message: 'missing required key "file" for a file check', rule: 'required' });
    if (c.password_file && c.password_env) errors.push({ path: [...path, 'password_env'], message: 'give password_file or password_env, not both', rule: 'check-option' });
    checkRegexes(c, path, errors);
    c.urls?.forEach((u, i) => checkRegexes(u, [...path, 'urls', i], errors));
    if (c.urls) {
      for (const key of ['path', 'status', 'body_match', 'body_not_match', 'digest'] as const) {
        if (key in c) errors.push({ path: [...path, key], message: 'give it in each of `urls`, not beside them', rule: 'check-option' });
      }
    }
    if (c.connect_address && c.source_address && addressFamily(c.connect_address) !== addressFamily(c.source_address)) {
      errors.push({ path: [...path, 'source_address'], message: `an IPv${addressFamily(c.source_address)} source for an IPv${addressFamily(c.connect_address)} connect_address`, rule: 'family' });
    }
  }
  if (port === 0 && c.type !== 'script' && c.type !== 'ping' && c.type !== 'file' && c.connect_port === undefined) {
    errors.push({ path, message: `a ${c.type} check of a real server on port 0 (a firewall-mark service) needs connect_port`, rule: 'check-port' });
  }
}
