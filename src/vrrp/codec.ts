import { createHmac, timingSafeEqual } from 'node:crypto';
import { addressBytes, addressText } from './address.js';
import type { Advert, AdvertKind, Auth } from './advert.js';

/*
 * Wire format, big-endian:
 *   0  magic "TD"        2  version (1)     3  type (1 master, 2 backup)
 *   4  vrid              5  priority        6  advert interval, centiseconds (u16, 1-4095)
 *   8  epoch (u32)      12  sequence (u32)
 *  16  auth type (0 none, 1 HMAC-SHA256)   17  sender family (4|6)
 *  18  VIP count        19  reserved (0)
 *  20  sender address (4|16 bytes), then per VIP: family (4|6) + address
 *  ... HMAC-SHA256 tag (32 bytes) over everything before it, when auth type is 1.
 */
export const MAGIC = 0x5444;
export const PROTOCOL_VERSION = 1;
const HEADER_LENGTH = 20;
const TAG_LENGTH = 32;
const KIND_CODES: Record<AdvertKind, number> = { master: 1, backup: 2 };
const AUTH_CODES = { none: 0, 'hmac-sha256': 1 } as const;
export const MAX_VIPS = 255;

export type RejectReason =
  | 'short'
  | 'magic'
  | 'version'
  | 'type'
  | 'interval'
  | 'family'
  | 'length'
  | 'auth-type'
  | 'hmac';

export type DecodeResult =
  | { ok: true; advert: Advert }
  | { ok: false; reason: RejectReason; message: string };

export function encodeAdvert(advert: Advert, auth: Auth): Buffer {
  if (advert.vips.length > MAX_VIPS) throw new RangeError(`advert: ${advert.vips.length} VIPs; at most ${MAX_VIPS}`);
  const sender = addressBytes(advert.sender);
  const vips = advert.vips.map(addressBytes);
  const body = HEADER_LENGTH + sender.length + vips.reduce((n, v) => n + 1 + v.length, 0);
  const buf = Buffer.alloc(body + (auth.type === 'none' ? 0 : TAG_LENGTH));
  buf.writeUInt16BE(MAGIC, 0);
  buf.writeUInt8(PROTOCOL_VERSION, 2);
  buf.writeUInt8(KIND_CODES[advert.kind], 3);
  buf.writeUInt8(advert.vrid, 4);
  buf.writeUInt8(advert.priority, 5);
  buf.writeUInt16BE(advert.intervalCs, 6);
  buf.writeUInt32BE(advert.epoch, 8);
  buf.writeUInt32BE(advert.seq, 12);
  buf.writeUInt8(AUTH_CODES[auth.type], 16);
  buf.writeUInt8(sender.length === 4 ? 4 : 6, 17);
  buf.writeUInt8(vips.length, 18);
  let at = HEADER_LENGTH;
  buf.set(sender, at);
  at += sender.length;
  for (const v of vips) {
    buf.writeUInt8(v.length === 4 ? 4 : 6, at);
    buf.set(v, at + 1);
    at += 1 + v.length;
  }
  if (auth.type === 'hmac-sha256') tag(auth.key, buf.subarray(0, body)).copy(buf, body);
  return buf;
}

function tag(key: Buffer, data: Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function reject(reason: RejectReason, message: string): DecodeResult {
  return { ok: false, reason, message };
}

function familyLength(family: number): number | undefined {
  return family === 4 ? 4 : family === 6 ? 16 : undefined;
}

/**
 * Parses and authenticates one packet. Checks run in a fixed order and each failure says
 * what was found and what was expected. Policy (is this my VRID, replay) is the caller's.
 */
export function decodeAdvert(buf: Uint8Array, auth: Auth): DecodeResult {
  if (buf.length < HEADER_LENGTH) return reject('short', `packet is ${buf.length} bytes; should be at least ${HEADER_LENGTH}`);
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const magic = view.readUInt16BE(0);
  if (magic !== MAGIC) return reject('magic', `magic is 0x${hex4(magic)}; should be 0x${hex4(MAGIC)}`);
  const version = view.readUInt8(2);
  if (version !== PROTOCOL_VERSION) return reject('version', `version is ${version}; should be ${PROTOCOL_VERSION}`);
  const type = view.readUInt8(3);
  const kind: AdvertKind | undefined = type === 1 ? 'master' : type === 2 ? 'backup' : undefined;
  if (!kind) return reject('type', `type is ${type}; should be 1 (master) or 2 (backup)`);
  const intervalCs = view.readUInt16BE(6);
  if (intervalCs < 1 || intervalCs > 4095) return reject('interval', `advert interval is ${intervalCs} cs; should be 1-4095`);
  const authType = view.readUInt8(16);
  const expectedAuth = AUTH_CODES[auth.type];
  if (authType !== expectedAuth) {
    return reject('auth-type', `auth type is ${authName(authType)}; should be ${auth.type}`);
  }
  const senderFamily = view.readUInt8(17);
  const senderLength = familyLength(senderFamily);
  if (senderLength === undefined) return reject('family', `sender address family is ${senderFamily}; should be 4 or 6`);
  const count = view.readUInt8(18);
  const tagLength = auth.type === 'none' ? 0 : TAG_LENGTH;
  let at = HEADER_LENGTH + senderLength;
  const vipBytes: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    if (at >= view.length - tagLength) {
      return reject('length', `packet is ${view.length} bytes; ends before VIP ${i + 1} of ${count}`);
    }
    const family = view.readUInt8(at);
    const length = familyLength(family);
    if (length === undefined) return reject('family', `VIP ${i + 1} address family is ${family}; should be 4 or 6`);
    vipBytes.push(view.subarray(at + 1, at + 1 + length));
    at += 1 + length;
  }
  if (view.length !== at + tagLength) {
    return reject('length', `packet is ${view.length} bytes; should be ${at + tagLength} for ${count} VIPs`);
  }
  if (auth.type === 'hmac-sha256') {
    const signed = view.subarray(0, at);
    const received = view.subarray(at, at + TAG_LENGTH);
    const matches = (key: Buffer) => timingSafeEqual(tag(key, signed), received);
    // The signing key first: between rotations it is the one every peer uses.
    if (!matches(auth.key) && !(auth.accepted ?? []).some((k) => k !== auth.key && matches(k))) {
      return reject('hmac', `HMAC-SHA256 tag does not match${auth.accepted && auth.accepted.length > 1 ? ` any of the ${auth.accepted.length} keys` : ''}: wrong key or altered packet`);
    }
  }
  return {
    ok: true,
    advert: {
      kind,
      vrid: view.readUInt8(4),
      priority: view.readUInt8(5),
      intervalCs,
      epoch: view.readUInt32BE(8),
      seq: view.readUInt32BE(12),
      sender: addressText(view.subarray(HEADER_LENGTH, HEADER_LENGTH + senderLength)),
      vips: vipBytes.map(addressText),
    },
  };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

function authName(code: number): string {
  return code === 0 ? 'none' : code === 1 ? 'hmac-sha256' : `unknown (${code})`;
}
