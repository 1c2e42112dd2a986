import { describe, expect, it } from 'vitest';
import { openConnections } from '../../../src/cli/status.js';

/* drain-director waits for the connections the director still serves (src/cli/status.ts). */
describe('the connections a drained director waits for', () => {
  it('counts its own open ones, not those the sync daemon brought from the other directors, nor closing ones', () => {
    const sync = `Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Origin Expires
TCP AC100002 CE40 CB007164 0050 C633640D 0050 ESTABLISHED LOCAL      899
TCP AC100002 CE42 CB007164 0050 C633640D 0050 ESTABLISHED SYNC       898
TCP AC100002 CE44 CB007164 0050 C633640C 0050 SYN_RECV    LOCAL       54
TCP AC100002 CE46 CB007164 0050 C633640C 0050 FIN_WAIT    LOCAL      104
UDP AC100002 CE48 CB007164 0035 C633640C 0035 UDP         LOCAL      290
UDP AC100002 CE4A CB007164 0035 C633640C 0035 UDP         SYNC       290
`;
    expect(openConnections(sync)).toBe(3);
  });

  it('counts every open one where the kernel gives no origin', () => {
    const plain = `Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP AC100002 CE40 CB007164 0050 C633640D 0050 ESTABLISHED     899
TCP AC100002 CE46 CB007164 0050 C633640C 0050 TIME_WAIT       104
`;
    expect(openConnections(plain)).toBe(1);
    expect(openConnections('')).toBe(0);
  });
});
