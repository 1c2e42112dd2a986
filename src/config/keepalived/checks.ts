import type { KStatement } from './parse.js';
import { splitCommand } from './parse.js';

/*
 * Keepalived's health checkers -> tandem checks. Keepalived sets the timers at three levels
 * (virtual_server, real_server, the checker block); the nearest wins. Its defaults are written
 * out, so an imported config checks as often as it did: delay_loop 60, connect_timeout 5,
 * retry 1 (0 for MISC_CHECK), delay_before_retry 1. Keepalived's `retry` counts retries after
 * the first failure, so tandem's fall is retry + 1.
 */

import type { NumberRule, Obj, Reporter } from './report.js';
import { keepalivedAddress, keepalivedNumber } from './report.js';

const CHECKERS: Record<string, string> = {
  TCP_CHECK: 'tcp',
  HTTP_GET: 'http',
  SSL_GET: 'https',
  MISC_CHECK: 'script',
  UDP_CHECK: 'udp',
  PING_CHECK: 'ping',
  DNS_CHECK: 'dns',
  SMTP_CHECK: 'smtp',
  FILE_CHECK: 'file',
};

const DNS_TYPES = new Set(['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT']);

/** Timer keywords valid at every level, with the tandem key each feeds. */
const TIMERS: Record<string, string> = {
  delay_loop: 'interval',
  connect_timeout: 'timeout',
  retry: 'retry',
  delay_before_retry: 'retry_delay',
  warmup: 'warmup',
};

export function isChecker(keyword: string): boolean {
  return keyword in CHECKERS;
}

/** How Keepalived reads the timers: seconds with a fraction, retry a count. */
const SECONDS: NumberRule = { min: 0, max: 2678400, decimal: true };
const COUNT: NumberRule = { min: 0, max: 2147483647 };
const FILE_CHECK_WEIGHT: NumberRule = { min: -2147483647, max: 2147483647 };

/**
 * Takes a timer keyword into `timers`; false when the keyword is not a timer. A value Keepalived
 * refuses leaves the timer as inherited, with a warning.
 */
export function takeTimer(s: KStatement, timers: Obj, where: string, r: Reporter): boolean {
  const key = TIMERS[s.keyword];
  if (!key) return false;
  const value = keepalivedNumber(r, s, where, key === 'retry' ? COUNT : SECONDS);
  if (value !== undefined) timers[key] = value;
  return true;
}

/**
 * The tandem checks of a checker block, given the timers inherited from the levels above: one,
 * or for an SMTP_CHECK with `host` blocks one per host (as Keepalived makes them: the first
 * host is the check's own target unless the block gives connection options of its own).
 */
export function translateChecker(block: KStatement, inherited: Obj, where: string, r: Reporter): Obj[] {
  if ((block.keyword === 'HTTP_GET' || block.keyword === 'SSL_GET') && !block.children?.some((s) => s.keyword === 'url')) {
    // Keepalived 2.2.7's keepalived -t stops with a segmentation fault right after that line.
    r.note(block, where, 'Keepalived drops an HTTP_GET or SSL_GET without a url (it logs "checker has no urls specified - ignoring"), so the server has no check; so does this import; give it a url', 'warning');
    return [];
  }
  const hosts: Obj[] = [];
  const check = translateOne(block, inherited, where, r, hosts);
  if (!hosts.length) return [check];
  const ownTarget = ['connect_address', 'connect_port', 'source_address'].some((k) => check[k] !== undefined);
  return [...(ownTarget ? [check] : []), ...hosts.map((h) => ({ ...check, ...h }))];
}

function translateOne(block: KStatement, inherited: Obj, where: string, r: Reporter, hosts: Obj[]): Obj {
  const type = CHECKERS[block.keyword] as string;
  const here = `${where} > ${block.keyword}`;
  const timers: Obj = { ...inherited };
  const out: Obj = { type };
  const urls: Obj[] = [];
  for (const s of block.children ?? []) {
    if (s.keyword === 'nb_get_retry') {
      // Keepalived 2 kept the old name of retry for HTTP_GET and SSL_GET (elsewhere it is unknown, and left out before this).
      timers.retry = Number(s.args[0]);
      continue;
    }
    if (takeTimer(s, timers, here, r)) continue;
    switch (s.keyword) {
      case 'connect_ip':
        out.connect_address = keepalivedAddress(r, s, here);
        break;
      case 'connect_port':
        out.connect_port = Number(s.args[0]);
        break;
      case 'bindto':
        out.source_address = keepalivedAddress(r, s, here);
        break;
      case 'url':
        if (type !== 'http' && type !== 'https') r.untranslated(s, here);
        else urls.push(translateUrl(s, here, r));
        break;
      case 'virtualhost':
        out.host ??= s.args[0];
        break;
      case 'enable_sni':
        if (type === 'https') out.sni_from_host = true;
        break;
      case 'misc_path':
        out.command = splitCommand(s.args.join(' '));
        break;
      case 'misc_timeout':
        // 0 is Keepalived's "none given": the script may run for the service's delay_loop.
        timers.timeout = Number(s.args[0]) || ((inherited.interval as number | undefined) ?? 60);
        break;
      case 'misc_dynamic':
        out.dynamic = true;
        break;
      case 'user':
        out.user = s.args[0];
        break;
      case 'payload':
        if (type === 'udp') out.payload = s.args.join('').replace(/^0x/i, '');
        else r.untranslated(s, here);
        break;
      case 'require_reply':
        if (type !== 'udp') r.untranslated(s, here);
        else if (s.args.length) r.untranslated(s, here, 'a reply pattern: tandem accepts any reply');
        else out.require_reply = true;
        break;
      case 'type':
        if (type === 'dns' && DNS_TYPES.has((s.args[0] ?? '').toUpperCase())) out.query_type = (s.args[0] as string).toUpperCase();
        else r.untranslated(s, here);
        break;
      case 'name':
        if (type === 'dns') out.query_name = s.args[0];
        else r.untranslated(s, here);
        break;
      case 'track_file':
        if (type === 'file') out.file = s.args[0];
        else r.untranslated(s, here);
        break;
      case 'weight': {
        const weight = type === 'file' ? keepalivedNumber(r, s, here, FILE_CHECK_WEIGHT) : undefined;
        if (weight !== undefined) out.file_weight = Math.max(-65535, Math.min(65535, s.args[1] === 'reverse' ? -weight : weight));
        else if (type !== 'file') r.untranslated(s, here);
        break;
      }
      case 'dynamic':
        if (type === 'file') r.note(s, here, "the adjusted weight counts toward the service's quorum, as with dynamic");
        else r.untranslated(s, here);
        break;
      case 'helo_name':
        if (type === 'smtp') out.helo = s.args[0];
        else r.untranslated(s, here);
        break;
      case 'host': {
        // SMTP_CHECK's `host { connect_ip ... }` blocks: each host is a check of its own.
        if (type !== 'smtp') {
          r.untranslated(s, here);
          break;
        }
        const host: Obj = {};
        for (const h of s.children ?? []) {
          if (h.keyword === 'connect_ip') host.connect_address = keepalivedAddress(r, h, `${here} > host`);
          else if (h.keyword === 'connect_port') host.connect_port = Number(h.args[0]);
          else if (h.keyword === 'bindto') host.source_address = keepalivedAddress(r, h, `${here} > host`);
          else r.untranslated(h, `${here} > host`);
        }
        hosts.push(host);
        break;
      }
      default:
        r.untranslated(s, here);
    }
  }
  if (type === 'file') {
    // Keepalived reads the file when inotify says it changed; tandem reads it every second.
    r.note(block, where, 'the file is read every second (Keepalived reads it when it changes)');
    return { ...out, interval: 1, timeout: 1, fall: 1 };
  }
  // One url is the check's own request; several are requested in turn, all to pass, as Keepalived does.
  if (urls.length === 1) Object.assign(out, urls[0]);
  else if (urls.length > 1) out.urls = urls.map((u) => ({ path: '/', ...u }));
  if (out.sni_from_host) {
    delete out.sni_from_host;
    if (out.host) out.sni = out.host;
  }
  if (type === 'https') {
    out.verify_tls = false;
    r.note(block, where, "SSL_GET does not verify certificates: imported with verify_tls: false; set ca_file and verify_tls: true to verify");
  }
  const retry = (timers.retry as number | undefined) ?? (type === 'script' ? 0 : 1);
  return {
    ...out,
    interval: timers.interval ?? 60,
    timeout: timers.timeout ?? 5,
    fall: retry + 1,
    ...(retry > 0 ? { retry_delay: timers.retry_delay ?? 1 } : {}),
    ...(timers.warmup ? { warmup: timers.warmup } : {}),
  };
}

function translateUrl(block: KStatement, where: string, r: Reporter): Obj {
  const here = `${where} > url`;
  const out: Obj = {};
  const status: (number | string)[] = [];
  let inverted = false;
  for (const s of block.children ?? []) {
    switch (s.keyword) {
      case 'path':
        out.path = s.args[0];
        break;
      case 'digest':
        out.digest = s.args[0];
        break;
      case 'status_code':
        for (const a of s.args) status.push(/^\d+$/.test(a) ? Number(a) : a);
        break;
      case 'regex':
        out.body_match = s.args.join(' ');
        break;
      case 'regex_no_match':
        inverted = true;
        break;
      case 'virtualhost':
        out.host = s.args[0];
        break;
      default:
        r.untranslated(s, here);
    }
  }
  if (status.length) out.status = status;
  if (inverted && out.body_match !== undefined) {
    out.body_not_match = out.body_match;
    delete out.body_match;
  }
  return out;
}
