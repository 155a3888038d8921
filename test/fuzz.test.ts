// Property-based fuzzing of the two readers of user input: the scenario loader
// (primeci validate) and the results reader (primeci report / merge). Whatever
// the input, the answer is exit 0, or exit 2 with every message located
// (file:line:col for suites, the file for results): never a stack trace.
// Bounded: a fixed seed, a fixed number of runs and a time limit per property.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { stringify } from 'yaml';
import { OP_NAMES } from '../backends/ops.ts';
import { readResults } from '../reporters/results-reader.ts';
import { ReportInputError } from '../reporters/errors.ts';
import { mergeResults } from '../runner/commands/merge.ts';
import { main } from '../runner/cli.ts';
import { loadSuites } from '../runner/scenario/load.ts';
import { UsageError } from '../runner/usage.ts';

const SEED = 15;
/** A line of a JavaScript stack trace: `    at f (file:1:2)`. */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;
const LIMIT = { seed: SEED, interruptAfterTimeLimit: 8_000, markInterruptAsFailure: false } as const;

/** Runs the CLI in this process, collecting what it writes to stderr (the
 * commands run here write nothing to stdout, which carries this test's TAP). */
async function cli(argv: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write;
  let stderr = '';
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stderr };
  } finally {
    process.stderr.write = write;
  }
}

// Suites: the shape of real ones, with any value where a value goes.
const word = fc.constantFrom('fd', 'fdx', 'handle', 'bo', 'dmabuf', 'as', 'expect', 'steps', 'count', '__proto__', 'constructor', 'x');
const ref = fc.constantFrom('$fd', '$bo.handle', '$nope', '$', '$1', '$fd.');
const scalar = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 8 }), ref, word);
const value = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('any'), { maxLength: 3 }),
  map: fc.dictionary(word, tie('any'), { maxKeys: 3 }),
})).any;
const opName = fc.oneof(fc.constantFrom(...OP_NAMES), fc.constantFrom('call', 'repeat', 'assert', 'sleep', 'parallel', 'fork', 'opne'));
const step = fc.tuple(opName, fc.oneof(fc.dictionary(word, value, { maxKeys: 4 }), value)).map(([op, args]) => ({ [op]: args }));
const suite = fc.record(
  {
    suite: fc.constantFrom('fuzz', 'other', 'Bad Name'),
    summary: fc.oneof(fc.string({ maxLength: 10 }), value),
    requires: fc.oneof(fc.constant(['vgem']), value),
    fixture: fc.array(step, { maxLength: 2 }),
    procedures: fc.dictionary(word, fc.record({ params: fc.array(word, { maxLength: 2 }), steps: fc.array(step, { maxLength: 2 }) }), { maxKeys: 2 }),
    subtests: fc.array(fc.record({ name: fc.constantFrom('a', 'b', 'B c'), steps: fc.array(step, { maxLength: 4 }) }), { maxLength: 2 }),
  },
  { requiredKeys: ['suite', 'summary', 'subtests'] },
);

/** Text damage a real file suffers: a cut, a stray character, a bad indent, an alias, deep nesting. */
const damage = fc.oneof(
  fc.constant((text: string) => text),
  fc.nat().map((n) => (text: string) => text.slice(0, n % (text.length + 1))),
  fc.tuple(fc.nat(), fc.constantFrom(':', '-', '[', '{', '&a', '*a', '*nope', '!!binary', '\t', '"', "'", '#', '%YAML 1.2\n', '\0', '\ufeff', '\n  ')).map(
    ([n, c]) => (text: string) => {
      const at = n % (text.length + 1);
      return text.slice(0, at) + c + text.slice(at);
    },
  ),
  fc.integer({ min: 90, max: 400 }).map((depth) => (text: string) => `${text}\ndeep: ${'['.repeat(depth)}${']'.repeat(depth)}\n`),
  fc.integer({ min: 90, max: 400 }).map((depth) => (text: string) => text + Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}- `).join('\n')),
);

// What `primeci validate` does (it exits 2 exactly when errors are returned;
// anything thrown instead would be a stack trace), without its stdout.
t.test('the loader answers every suite with a suite or located messages, never an exception', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'fuzz.yaml');
  let checked = 0;
  fc.assert(
    fc.property(suite, damage, (data, hurt) => {
      writeFileSync(file, hurt(stringify(data)));
      const { suites, errors } = loadSuites([file]);
      checked++;
      if (suites.length === 1) return errors.length === 0;
      const lines = errors.flatMap((e) => e.message.split('\n'));
      return errors.length === 1 && lines.every((l) => /^\S*fuzz\.yaml:\d+:\d+: \S/.test(l) && !/Maximum call stack/.test(l));
    }),
    { ...LIMIT, numRuns: 400 },
  );
  t.ok(checked >= 50, `${checked} suites checked`);
});

// Results: a real results.json, then any part of it replaced by any JSON value.
const base = JSON.parse(readFileSync(new URL('./fixtures/results/base/results.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const json = fc.jsonValue({ maxDepth: 3 });
const testName = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'igt@a@b', 'igt@__proto__@x', ''), fc.string({ maxLength: 12 }));
const results = fc.oneof(
  fc.tuple(fc.constantFrom(...Object.keys(base)), json).map(([key, v]) => ({ ...base, [key]: v })),
  fc.dictionary(testName, fc.oneof(json, fc.constant({ result: 'pass' }), fc.constant({ result: 'fail', out: 'x' })), { maxKeys: 4 }).map(
    (tests) => ({ ...base, tests }),
  ),
  json,
);
const resultsText = fc.oneof(
  results.map((r) => JSON.stringify(r)),
  fc.tuple(results, fc.nat()).map(([r, n]) => {
    const text = JSON.stringify(r) ?? '';
    return text.slice(0, n % (text.length + 1));
  }),
  fc.string({ maxLength: 40 }),
);
const metadataText = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 40 }), fc.constant('__proto__ : x\ncmdline : {bad\n'));

t.test('the results reader answers every results folder with a report or a message naming the file, exit 2', async (t) => {
  const root = t.testdir({});
  let n = 0;
  await fc.assert(
    fc.asyncProperty(resultsText, metadataText, fc.constantFrom('json', 'junit', 'tap', 'markdown', 'html'), async (text, metadata, format) => {
      const dir = join(root, String(n++));
      mkdirSync(dir);
      writeFileSync(join(dir, 'results.json'), text);
      if (metadata !== undefined) writeFileSync(join(dir, 'metadata.txt'), metadata);
      const { code, stderr } = await cli(['report', dir, '--format', format, '-o', join(dir, 'report')]);
      if (code === 0) return stderr === '';
      return code === 2 && stderr.includes(dir) && !STACK_FRAME.test(stderr);
    }),
    { ...LIMIT, numRuns: 300 },
  );
  t.ok(n >= 50, `${n} results folders checked`);
});

t.test('merging any readable results either merges or refuses with a message', async (t) => {
  const root = t.testdir({});
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(results, { minLength: 1, maxLength: 3 }), async (parts) => {
      const files = parts.map((p) => {
        const file = join(root, `${n++}.json`);
        writeFileSync(file, JSON.stringify(p) ?? 'null');
        return file;
      });
      let read;
      try {
        read = await Promise.all(files.map((f) => readResults(f)));
      } catch (e) {
        return e instanceof ReportInputError;
      }
      try {
        const merged = mergeResults(read, files);
        const names = read.flatMap((r) => Object.keys(r.tests));
        return Object.keys(merged.tests).length === names.length && names.every((name) => Object.hasOwn(merged.tests, name));
      } catch (e) {
        return e instanceof UsageError && /more than one input/.test(e.message);
      }
    }),
    { ...LIMIT, numRuns: 200 },
  );
  t.ok(n > 0);
});
