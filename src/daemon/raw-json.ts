/*
 * JSON made on the services thread (its status, IPVS figures and metrics) travels to the main
 * thread as UTF-8 bytes, moved rather than copied, and goes out on the control socket (or
 * /metrics) as it came. With tens of thousands of real servers, parsing and printing it here
 * again, or even making one string of it, would cost the VRRP loop the time that thread is
 * there to spare it.
 */

const encoder = new TextEncoder();

/** Text as UTF-8 bytes in a buffer of their own (one that can be moved to another thread). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** A JSON value as pieces of UTF-8, written out one after the other. */
export class RawJson {
  private constructor(readonly chunks: Uint8Array[]) {}

  static of(bytes: Uint8Array): RawJson {
    return new RawJson([bytes]);
  }

  /** One object with the fields of each object (none may share a field); the bytes are not copied. */
  static merge(...objects: (string | Uint8Array)[]): RawJson {
    const chunks: Uint8Array[] = [utf8('{')];
    for (const object of objects) {
      const bytes = typeof object === 'string' ? utf8(object) : object;
      const open = bytes.indexOf(0x7b); // {
      const close = bytes.lastIndexOf(0x7d); // }
      if (open < 0 || close < open) throw new Error('RawJson.merge: not a JSON object');
      const fields = bytes.subarray(open + 1, close);
      if (!fields.some((b) => b > 0x20)) continue;
      if (chunks.length > 1) chunks.push(utf8(','));
      chunks.push(fields);
    }
    chunks.push(utf8('}'));
    return new RawJson(chunks);
  }
}

/** The control socket's answer as pieces to write: a RawJson result is copied in as it is. */
export function answerChunks(answer: { ok: boolean; result?: unknown; error?: string }): (string | Uint8Array)[] {
  if (!(answer.result instanceof RawJson)) return [`${JSON.stringify(answer)}\n`];
  return [`{"ok":${answer.ok},"result":`, ...answer.result.chunks, '}\n'];
}
