/*
 * The kernel's IPVS generic-netlink messages (include/uapi/linux/ip_vs.h), built from the
 * commands tandem's diff makes. Pure: an operation in, a command number and its attributes out.
 * The values are the ones ipvsadm sends for the same words, so `ipvsadm -Sn` reads back what
 * ipvsadm itself would have written.
 */
import { constants } from 'node:os';
import { addressBytes } from '../vrrp/address.js';
import type { ParsedCommand, IpvsOperation } from './command.js';
import type { RealServer, ServiceKey, VirtualService } from './model.js';

export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

const COMMANDS: Record<IpvsOperation, number> = { '-A': 1, '-E': 2, '-D': 3, '-a': 5, '-e': 6, '-d': 7 };
const CMD_ATTR = { service: 1, dest: 2 } as const;
const SVC_ATTR = { af: 1, protocol: 2, addr: 3, port: 4, fwmark: 5, schedName: 6, flags: 7, timeout: 8, netmask: 9 } as const;
const DEST_ATTR = { addr: 1, port: 2, fwdMethod: 3, weight: 4, upperThreshold: 5, lowerThreshold: 6, addrFamily: 11 } as const;

const AF = { 4: 2, 6: 10 } as const;
const PROTOCOLS = { tcp: 6, udp: 17 } as const;
/** IP_VS_CONN_F_*: how packets reach the real server. */
const FORWARDING = { masq: 0, ipip: 2, gate: 3 } as const;
const SVC_F_PERSISTENT = 0x1;
const SVC_F_ONEPACKET = 0x4;
/** ipvsadm's -b words (parse_sched_flags): the scheduler's own flags. */
const SCHEDULER_FLAGS: Record<string, number> = {
  'flag-1': 0x8,
  'flag-2': 0x10,
  'flag-3': 0x20,
  'sh-fallback': 0x8,
  'sh-port': 0x10,
  'mh-fallback': 0x8,
  'mh-port': 0x10,
};

export interface GenlIpvsMessage {
  /** IPVS_CMD_*. */
  command: number;
  attributes: Buffer;
}

/** One netlink attribute: length, type, payload, padded to 4 bytes. */
function attribute(type: number, payload: Buffer): Buffer {
  const length = 4 + payload.length;
  const out = Buffer.alloc((length + 3) & ~3);
  out.writeUInt16LE(length, 0);
  out.writeUInt16LE(type, 2);
  payload.copy(out, 4);
  return out;
}

const nested = (type: number, parts: Buffer[]): Buffer => attribute(type, Buffer.concat(parts));

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return b;
}

function u16be(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b;
}

/** union nf_inet_addr: 16 bytes, an IPv4 address in the first 4. */
function inetAddress(text: string): Buffer {
  const out = Buffer.alloc(16);
  Buffer.from(addressBytes(text)).copy(out);
  return out;
}

function serviceKey(s: ServiceKey): Buffer[] {
  const af = attribute(SVC_ATTR.af, u16(AF[s.family]));
  if (s.protocol === 'fwmark') return [af, attribute(SVC_ATTR.fwmark, u32(s.fwmark as number))];
  return [af, attribute(SVC_ATTR.protocol, u16(PROTOCOLS[s.protocol])), attribute(SVC_ATTR.addr, inetAddress(s.address as string)), attribute(SVC_ATTR.port, u16be(s.port as number))];
}

/**
 * The persistence netmask as the kernel keeps it: an IPv4 mask in network byte order, an IPv6
 * prefix length; all ones (or 128) when none is given, as ipvsadm sends.
 */
function netmask(s: VirtualService): Buffer {
  if (s.netmask === undefined) return s.family === 6 ? u32(128) : Buffer.from([255, 255, 255, 255]);
  return /^\d+$/.test(s.netmask) ? u32(Number(s.netmask)) : Buffer.from(addressBytes(s.netmask));
}

function serviceOptions(s: VirtualService): Buffer[] {
  let flags = s.ops ? SVC_F_ONEPACKET : 0;
  if (s.persistence !== undefined) flags |= SVC_F_PERSISTENT;
  for (const word of s.flags) {
    const bit = SCHEDULER_FLAGS[word];
    if (bit === undefined) throw new Error(`unknown scheduler flag ${word}`);
    flags |= bit;
  }
  return [
    attribute(SVC_ATTR.schedName, Buffer.from(`${s.scheduler}\0`)),
    // struct ip_vs_flags { flags, mask }: every flag is set or cleared.
    attribute(SVC_ATTR.flags, Buffer.concat([u32(flags), u32(0xffffffff)])),
    attribute(SVC_ATTR.timeout, u32(s.persistence ?? 0)),
    attribute(SVC_ATTR.netmask, netmask(s)),
  ];
}

function destination(service: ServiceKey, r: RealServer, full: boolean): Buffer[] {
  // ipvsadm: a direct-routing or tunnelled server of a port service takes the service's port.
  const port = full && service.protocol !== 'fwmark' && r.method !== 'masq' ? (service.port as number) : r.port;
  const key = [
    attribute(DEST_ATTR.addr, inetAddress(r.address)),
    attribute(DEST_ATTR.port, u16be(port)),
    attribute(DEST_ATTR.addrFamily, u16(AF[r.address.includes(':') ? 6 : 4])),
  ];
  if (!full) return key;
  return [
    ...key,
    attribute(DEST_ATTR.fwdMethod, u32(FORWARDING[r.method])),
    attribute(DEST_ATTR.weight, u32(r.weight)),
    attribute(DEST_ATTR.upperThreshold, u32(r.upper)),
    attribute(DEST_ATTR.lowerThreshold, u32(r.lower)),
  ];
}

/** The IPVS_CMD_* message for one operation. */
export function genlMessage({ op, service, server }: ParsedCommand): GenlIpvsMessage {
  const full = op === '-A' || op === '-E' || op === '-a' || op === '-e';
  const parts = [nested(CMD_ATTR.service, op === '-A' || op === '-E' ? [...serviceKey(service), ...serviceOptions(service)] : serviceKey(service))];
  if (op === '-a' || op === '-e' || op === '-d') {
    if (!server) throw new Error(`${op} without a real server`);
    parts.push(nested(CMD_ATTR.dest, destination(service, server, full)));
  }
  return { command: COMMANDS[op], attributes: Buffer.concat(parts) };
}

/**
 * What the kernel's refusal means for this operation, in ipvsadm's words (ipvs_strerror), so a
 * refused rule reads the same whichever way it went in.
 */
export function refusalText(op: IpvsOperation, errno: string): string {
  const onService = op === '-A' || op === '-E' || op === '-D';
  const onDest = op === '-a' || op === '-e' || op === '-d';
  if (errno === 'EEXIST') return onService ? 'Service already exists' : 'Destination already exists';
  if (errno === 'ESRCH') return 'No such service';
  if (errno === 'ENOENT') return onDest ? 'No such destination' : 'Scheduler or persistence engine not found';
  if (errno === 'ENOMEM') return 'Memory allocation problem';
  if (errno === 'EPERM') return 'Permission denied (you must be root)';
  if (errno === 'EINVAL') return 'Invalid argument';
  if (errno === 'ERANGE') return 'Numerical result out of range';
  if (errno === 'EOPNOTSUPP') return 'Operation not supported with IPv6 or this forwarding method';
  const number = (constants.errno as Record<string, number>)[errno];
  return number === undefined ? errno : `${errno} (errno ${number})`;
}
