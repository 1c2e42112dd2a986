import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/ipvs/command.js';
import { genlMessage, refusalText } from '../../../src/ipvs/genl-ipvs.js';

const message = (words: string) => genlMessage(parseCommand(words.split(' ')));
const hex = (...parts: string[]) => parts.join('').replace(/\s+/g, '');
/** The attribute of `type` inside `buf` (a run of attributes), as its payload. */
function find(buf: Buffer, ...path: number[]): Buffer | undefined {
  let at = buf;
  for (const type of path) {
    let found: Buffer | undefined;
    for (let i = 0; i + 4 <= at.length; ) {
      const len = at.readUInt16LE(i);
      if (at.readUInt16LE(i + 2) === type) found = at.subarray(i + 4, i + len);
      i += (len + 3) & ~3;
    }
    if (!found) return undefined;
    at = found;
  }
  return at;
}

describe('IPVS generic-netlink messages', () => {
  it('lays out a new real server as include/uapi/linux/ip_vs.h does', () => {
    const m = message('-a -t 192.0.2.1:80 -r 198.51.100.7:8080 -m -w 3 -x 10 -y 2');
    expect(m.command).toBe(5); // IPVS_CMD_NEW_DEST
    expect(m.attributes.toString('hex')).toBe(
      hex(
        '3000 0100', // IPVS_CMD_ATTR_SERVICE, 48 bytes
        '0600 0100 0200 0000', // AF_INET
        '0600 0200 0600 0000', // IPPROTO_TCP
        '1400 0300 c0000201 000000000000000000000000', // 192.0.2.1 in a 16-byte union
        '0600 0400 0050 0000', // port 80, network order
        '4800 0200', // IPVS_CMD_ATTR_DEST, 72 bytes
        '1400 0100 c6336407 000000000000000000000000',
        '0600 0200 1f90 0000', // 8080
        '0600 0b00 0200 0000', // the server's family
        '0800 0300 00000000', // IP_VS_CONN_F_MASQ
        '0800 0400 03000000', // weight 3
        '0800 0500 0a000000', // upper threshold 10
        '0800 0600 02000000', // lower threshold 2
      ),
    );
  });

  it('puts direct-routing and tunnelled servers on the service port, as ipvsadm does', () => {
    const port = (words: string) => find(message(words).attributes, 2, 2)?.readUInt16BE(0);
    expect(port('-a -t 192.0.2.1:80 -r 198.51.100.7:8080 -g -w 1')).toBe(80);
    expect(port('-e -u 192.0.2.1:53 -r 198.51.100.7:5353 -i -w 1')).toBe(53);
    expect(port('-a -t 192.0.2.1:80 -r 198.51.100.7:8080 -m -w 1')).toBe(8080);
    expect(port('-a -f 5 -r 198.51.100.7:8080 -g -w 1')).toBe(8080);
    // A delete names the server as the kernel holds it.
    expect(port('-d -t 192.0.2.1:80 -r 198.51.100.7:80')).toBe(80);
    expect(find(message('-d -t 192.0.2.1:80 -r 198.51.100.7:80').attributes, 2, 4)).toBeUndefined();
  });

  it('sets the service flags, timeout and netmask ipvsadm would', () => {
    const svc = (words: string) => {
      const a = message(words).attributes;
      const flags = find(a, 1, 7) as Buffer;
      return { flags: flags.readUInt32LE(0), mask: flags.readUInt32LE(4), timeout: find(a, 1, 8)?.readUInt32LE(0), netmask: find(a, 1, 9)?.toString('hex'), sched: find(a, 1, 6)?.toString() };
    };
    expect(svc('-A -t 192.0.2.1:80 -s rr')).toEqual({ flags: 0, mask: 0xffffffff, timeout: 0, netmask: 'ffffffff', sched: 'rr\0' });
    expect(svc('-E -t 192.0.2.1:80 -s sh -b sh-fallback,sh-port -p 300 -M 255.255.255.0')).toEqual({ flags: 0x1 | 0x8 | 0x10, mask: 0xffffffff, timeout: 300, netmask: 'ffffff00', sched: 'sh\0' });
    expect(svc('-A -u 192.0.2.1:53 -s wrr -o')).toMatchObject({ flags: 0x4 });
    expect(svc('-A -f 9 -6 -s mh -b mh-port -p 60')).toEqual({ flags: 0x1 | 0x10, mask: 0xffffffff, timeout: 60, netmask: '80000000', sched: 'mh\0' });
    expect(message('-A -t 192.0.2.1:80 -s rr').command).toBe(1);
    expect(message('-E -t 192.0.2.1:80 -s rr').command).toBe(2);
  });

  it('names a service by its key alone when deleting, by fwmark and family for fwmark services', () => {
    const m = message('-D -f 9 -6');
    expect(m.command).toBe(3);
    expect(find(m.attributes, 1, 1)?.readUInt16LE(0)).toBe(10); // AF_INET6
    expect(find(m.attributes, 1, 5)?.readUInt32LE(0)).toBe(9);
    expect(find(m.attributes, 1, 6)).toBeUndefined();
    const v6 = message('-d -t [2001:db8::1]:443 -r [2001:db8:1::10]:443');
    expect(v6.command).toBe(7);
    expect(find(v6.attributes, 1, 3)?.toString('hex')).toBe('20010db8000000000000000000000001');
    expect(find(v6.attributes, 2, 1)?.toString('hex')).toBe('20010db8000100000000000000000010');
  });

  it("words a refusal as ipvsadm does, by operation", () => {
    expect(refusalText('-A', 'EEXIST')).toBe('Service already exists');
    expect(refusalText('-a', 'EEXIST')).toBe('Destination already exists');
    expect(refusalText('-d', 'ENOENT')).toBe('No such destination');
    expect(refusalText('-E', 'ESRCH')).toBe('No such service');
    expect(refusalText('-a', 'ERANGE')).toBe('Numerical result out of range');
    expect(refusalText('-a', 'EHOSTUNREACH')).toBe('EHOSTUNREACH (errno 113)');
  });
});
