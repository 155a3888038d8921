// Comparing and printing op results (Value) for expectations and messages.
import type { Value } from '../backends/backend.ts';

export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => valuesEqual(a[k], b[k]));
  }
  return false;
}

/** A short, readable rendering (bytes are summarised, not dumped). */
export function showValue(v: unknown): string {
  if (v instanceof Uint8Array) return showBytes(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(showValue).join(', ')}]`;
  if (isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `${k}: ${showValue(x)}`).join(', ')}}`;
  return String(v);
}

function showBytes(b: Uint8Array): string {
  const head = Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return `<${b.length} bytes: ${head}${b.length > 8 ? ' …' : ''}>`;
}

export function isPlainObject(v: unknown): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** The byte `pattern` puts at `offset` (see mem_write in backends/ops.ts). */
export function patternByte(pattern: 'index8' | 'index32', offset: number): number {
  return pattern === 'index8' ? offset & 0xff : (Math.floor(offset / 4) >>> ((offset % 4) * 8)) & 0xff;
}
