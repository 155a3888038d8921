// `$name` and `$name.field` references between steps.
import type { Arg, Ref } from './model.ts';

const REF = /^\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/;

/** The reference a YAML string spells, if it is one. */
export function parseRef(text: string): Ref | undefined {
  const m = REF.exec(text);
  if (!m) return undefined;
  return { ref: m[1], path: m[2] ? m[2].slice(1).split('.') : [] };
}

export function isRef(arg: Arg): arg is Ref {
  return typeof arg === 'object' && arg !== null && !Array.isArray(arg) && 'ref' in arg && 'path' in arg;
}

export function formatRef(ref: Ref): string {
  return ['$' + ref.ref, ...ref.path].join('.');
}

/** YAML data → Arg, turning `$…` strings into references (anywhere in lists and maps). */
export function toArg(value: unknown): Arg {
  if (typeof value === 'string') return parseRef(value) ?? value;
  if (Array.isArray(value)) return value.map(toArg);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toArg(v)]));
  }
  return value as Arg;
}

/** Every reference inside an argument, with its path below the argument. */
export function refsIn(arg: Arg, path: (string | number)[] = []): { ref: Ref; path: (string | number)[] }[] {
  if (isRef(arg)) return [{ ref: arg, path }];
  if (Array.isArray(arg)) return arg.flatMap((a, i) => refsIn(a, [...path, i]));
  if (arg !== null && typeof arg === 'object') {
    return Object.entries(arg).flatMap(([k, a]) => refsIn(a, [...path, k]));
  }
  return [];
}
