// A few tap-like assertions recorded as data, for checks that run where tap is
// too slow to load (the TCG guest). The host test turns each into a tap assertion.
import { isDeepStrictEqual } from 'node:util';

export interface CheckResult {
  name: string;
  pass: boolean;
  detail?: string;
}

type Shape = RegExp | string | number | boolean | null | undefined | Shape[] | { [key: string]: Shape };

/** Does `actual` have every field (or leading element) of `shape`, strings matched by regexes? */
function matches(actual: unknown, shape: Shape): boolean {
  if (shape instanceof RegExp) return typeof actual === 'string' && shape.test(actual);
  if (shape === null || typeof shape !== 'object') return actual === shape;
  if (typeof actual !== 'object' || actual === null) return false;
  return Object.entries(shape).every(([k, v]) => matches((actual as Record<string, unknown>)[k], v));
}

const show = (v: unknown) => (v instanceof Uint8Array ? `<bytes ${[...v.subarray(0, 8)]}>` : JSON.stringify(v));

export class Checks {
  readonly results: CheckResult[] = [];
  private readonly prefix: string[] = [];

  private record(pass: boolean, name: string, detail: string): void {
    this.results.push({ name: [...this.prefix, name].join(' > '), pass, ...(pass ? {} : { detail }) });
  }

  ok(value: unknown, name = 'should be truthy'): void {
    this.record(Boolean(value), name, `got ${show(value)}`);
  }

  equal(actual: unknown, expected: unknown, name = 'should be equal'): void {
    this.record(actual === expected, name, `got ${show(actual)}, expected ${show(expected)}`);
  }

  same(actual: unknown, expected: unknown, name = 'should be equivalent'): void {
    this.record(isDeepStrictEqual(actual, expected), name, `got ${show(actual)}, expected ${show(expected)}`);
  }

  match(actual: unknown, shape: Shape, name = 'should match pattern'): void {
    this.record(matches(actual, shape), name, `got ${show(actual)}, expected the shape ${String(shape instanceof RegExp ? shape : show(shape))}`);
  }

  /** Runs a group of checks; an exception is a failed check, not the end of the run. */
  test(name: string, body: (t: Checks) => void): void {
    this.prefix.push(name);
    try {
      body(this);
    } catch (e) {
      this.record(false, 'no exception', (e as Error).stack ?? String(e));
    } finally {
      this.prefix.pop();
    }
  }
}
