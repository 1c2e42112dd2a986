import { describe, expect, it } from 'vitest';
import { RawJson, answerChunks, utf8 } from '../../../src/daemon/raw-json.js';

const text = (chunks: (string | Uint8Array)[]) => chunks.map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('utf8'))).join('');

describe('JSON passed on as bytes', () => {
  it('merges the fields of objects, text and bytes, into one object', () => {
    const merged = RawJson.merge(JSON.stringify({ pid: 1, name: 'dir1' }), utf8(JSON.stringify({ services: [{ server: 'é:80' }], ipvs: null })));
    expect(JSON.parse(text(merged.chunks))).toEqual({ pid: 1, name: 'dir1', services: [{ server: 'é:80' }], ipvs: null });
  });

  it('leaves out empty objects and refuses what is not an object', () => {
    expect(text(RawJson.merge('{}', utf8(' { } '), '{"a":1}').chunks)).toBe('{"a":1}');
    expect(() => RawJson.merge('[1]')).toThrow(/not a JSON object/);
  });

  it('copies the bytes in without copying them', () => {
    const bytes = utf8('{"services":[]}');
    const [, fields] = RawJson.merge(bytes).chunks;
    expect(fields?.buffer).toBe(bytes.buffer);
  });

  it('writes an answer with a raw result as one JSON line', () => {
    const line = text(answerChunks({ ok: true, result: RawJson.of(utf8('{"x":[1,2]}')) }));
    expect(line).toBe('{"ok":true,"result":{"x":[1,2]}}\n');
    expect(text(answerChunks({ ok: false, error: 'no' }))).toBe('{"ok":false,"error":"no"}\n');
  });
});
