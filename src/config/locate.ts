import { isMap, isScalar } from 'yaml';
import type { LineCounter } from 'yaml';
import type { Document } from 'yaml';

export type ConfigPath = (string | number)[];

/** Turns a path in the data into the line and column of its YAML node (1-based). */
export class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Position of the value at `path`, or of the key `key` inside it; the nearest known ancestor otherwise. */
  locate(path: ConfigPath, key?: string): { line: number; column: number } {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, depth), true);
      const range = rangeOf(node);
      if (!range) continue;
      let offset = range[0];
      if (key !== undefined && depth === path.length && isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
        if (pair && isScalar(pair.key) && pair.key.range) offset = pair.key.range[0];
      }
      const pos = this.lines.linePos(offset);
      return { line: pos.line, column: pos.col };
    }
    return { line: 1, column: 1 };
  }
}

function rangeOf(node: unknown): [number, number, number] | undefined {
  if (!node || typeof node !== 'object' || !('range' in node)) return undefined;
  const range = (node as { range?: [number, number, number] | null }).range;
  return range ?? undefined;
}

/** `/instances/0/vrid` -> ['instances', 0, 'vrid'] */
export function pointerToPath(pointer: string): ConfigPath {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** ['instances', 0, 'vrid'] -> `instances[0].vrid` */
export function formatPath(path: ConfigPath): string {
  return path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${p}` : p), '') || '(top level)';
}
