import t from 'tap';
import { parseSuite } from '../../runner/scenario/parse.ts';
import { InputError, YamlSource } from '../../runner/scenario/source.ts';
import { loadSuite, loadSuites, suiteFiles } from '../../runner/scenario/load.ts';
import type { OpStep } from '../../runner/scenario/model.ts';

const HEAD = 'suite: demo\nsummary: a demo\nrequires: [vgem]\n';

function problems(yaml: string): string[] {
  try {
    parseSuite(YamlSource.parse('demo.yaml', yaml));
  } catch (e) {
    if (e instanceof InputError) return e.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`);
    throw e;
  }
  return [];
}

t.test('a valid suite becomes the model, with locations and references', async (t) => {
  const suite = parseSuite(
    YamlSource.parse(
      'demo.yaml',
      HEAD +
        'subtests:\n' +
        '  - name: one\n' +
        '    steps:\n' +
        '      - open: {driver: vgem, as: fd}\n' +
        '      - create_dumb: {fd: $fd, width: 1, height: 1, bpp: 32, as: bo, expect: {size: 4096}}\n' +
        '      - gem_close: {fd: $fd, handle: $bo.handle}\n' +
        '      - gem_close: {fd: $fd, handle: $bo.handle, expect: {errno: EINVAL}}\n',
    ),
  );
  t.equal(suite.name, 'demo');
  t.same(suite.requires, [{ driver: 'vgem' }]);
  const steps = suite.subtests[0].steps as OpStep[];
  t.equal(steps.length, 4);
  t.same(steps[1].at, { file: 'demo.yaml', line: 8, col: 9 });
  t.same(steps[2].args.handle, { ref: 'bo', path: ['handle'] });
  t.same(steps[1].expect, { fields: { size: 4096 } });
  t.same(steps[3].expect, { errno: 'EINVAL' });
});

t.test('a misspelt op is reported at its key with a suggestion', async (t) => {
  const [p] = problems(HEAD + 'subtests:\n  - name: one\n    steps:\n      - opne: {driver: vgem}\n');
  t.equal(p, "demo.yaml:7:9: unknown op 'opne' (did you mean 'open'?)");
});

t.test('a missing argument names the argument', async (t) => {
  const [p] = problems(HEAD + 'subtests:\n  - name: one\n    steps:\n      - open: {as: fd}\n      - gem_close: {fd: $fd}\n');
  t.equal(p, "demo.yaml:8:20: 'handle': missing (required)");
});

t.test('an argument of the wrong type is reported at the value', async (t) => {
  const [p] = problems(HEAD + 'subtests:\n  - name: one\n    steps:\n      - dup: {fd: three}\n');
  t.equal(p, "demo.yaml:7:19: 'fd': Invalid input: expected number, received string");
});

t.test('an unknown reference is reported where it is used', async (t) => {
  const out = problems(HEAD + 'subtests:\n  - name: one\n    steps:\n      - open: {driver: vgem, as: fd}\n      - dup: {fd: $df}\n');
  t.same(out, ["demo.yaml:8:19: unknown reference '$df' (did you mean '$fd'?)"]);
});

t.test('a reference to a binding made later is unknown', async (t) => {
  const out = problems(HEAD + 'subtests:\n  - name: one\n    steps:\n      - dup: {fd: $fd}\n      - open: {driver: vgem, as: fd}\n');
  t.equal(out.length, 1);
  t.match(out[0], /unknown reference '\$fd'/);
});

t.test('broken YAML is a diagnostic with its position, not an exception', async (t) => {
  const out = problems(HEAD + 'subtests:\n  - name: one\n    steps: [\n');
  t.equal(out.length > 0, true);
  t.match(out[0], /^demo\.yaml:\d+:\d+: /);
});

t.test('an unknown errno, key or procedure is reported', async (t) => {
  const out = problems(
    HEAD +
      'procedures:\n  p:\n    params: [x]\n    steps: []\n' +
      'subtests:\n  - name: one\n    colour: red\n    steps:\n' +
      '      - dup: {fd: 1, expect: {errno: EINVALL}}\n' +
      '      - call: {q: {}}\n' +
      '      - call: {p: {y: 1}}\n',
  );
  t.same(out, [
    "demo.yaml:10:5: unknown key 'colour'",
  ]);
  const out2 = problems(
    HEAD +
      'procedures:\n  p:\n    params: [x]\n    steps: []\n' +
      'subtests:\n  - name: one\n    steps:\n' +
      '      - dup: {fd: 1, expect: {errno: EINVALL}}\n' +
      '      - call: {q: {}}\n' +
      '      - call: {p: {y: 1}}\n',
  );
  t.same(out2, [
    "demo.yaml:11:38: unknown errno 'EINVALL'",
    "demo.yaml:12:16: unknown procedure 'q' (did you mean 'p'?)",
    "demo.yaml:13:19: missing argument 'x' of procedure 'p'",
    "demo.yaml:13:20: procedure 'p' has no parameter 'y'",
  ]);
});

t.test('procedure parameters, loop variables and dynamic bindings are in scope', async (t) => {
  const suite = parseSuite(
    YamlSource.parse(
      'demo.yaml',
      HEAD +
        'procedures:\n  closeit:\n    params: [fd]\n    steps:\n      - close: {fd: $fd}\n' +
        'subtests:\n  - name: one\n    dynamic:\n      - {name: a, with: {drv: vgem}}\n      - {name: b, with: {drv: vkms}}\n' +
        '    steps:\n' +
        '      - open: {driver: $drv, as: fd}\n' +
        '      - repeat: {count: 3, as: i, steps: [{dup: {fd: $fd, as: copy}}, {assert: {ge: [$i, 0]}}]}\n' +
        '      - call: {closeit: {fd: $copy}}\n',
    ),
  );
  t.same(suite.subtests[0].dynamic?.map((d) => d.name), ['a', 'b']);
});

t.test('a duplicate subtest name is an error', async (t) => {
  const out = problems(HEAD + 'subtests:\n  - name: one\n    steps: []\n  - name: one\n    steps: []\n');
  t.same(out, ["demo.yaml:7:11: duplicate subtest 'one'"]);
});

t.test('loadSuites keeps the good files and reports the bad ones', async (t) => {
  const dir = t.testdir({
    'good.yaml': 'suite: good\nsummary: fine\nsubtests:\n  - name: a\n    steps: []\n',
    'bad.yaml': 'suite: bad\nsummary: x\nsubtests:\n  - name: a\n    steps:\n      - nope: {}\n',
    'misnamed.yaml': 'suite: other\nsummary: x\nsubtests:\n  - name: a\n    steps: []\n',
  });
  const r = loadSuites(['good.yaml', 'bad.yaml', 'misnamed.yaml', 'missing.yaml'].map((f) => `${dir}/${f}`));
  t.same(r.suites.map((s) => s.name), ['good']);
  t.equal(r.errors.length, 3);
  t.match(r.errors[0].message, /bad\.yaml:6:9: unknown op 'nope'/);
  t.match(r.errors[1].message, /must be in a file named other\.yaml/);
  t.match(r.errors[2].message, /missing\.yaml:1:1: no such suite file/);
});

t.test('every shipped suite loads', async (t) => {
  const files = suiteFiles([]);
  t.ok(files.length > 0);
  for (const f of files) t.doesNotThrow(() => loadSuite(f), f);
});

t.test('references inside a list argument are checked when resolved, and must be bound', async (t) => {
  const ok = problems(HEAD + 'subtests:\n  - name: one\n    steps:\n      - open: {driver: vgem, as: fd}\n      - mmap: {fd: $fd, length: 4096, prot: [read, $fd]}\n');
  t.same(ok, []);
  const bad = problems(HEAD + 'subtests:\n  - name: one\n    steps:\n      - open: {driver: vgem, as: fd}\n      - mmap: {fd: $fd, length: 4096, prot: [read, $nope]}\n');
  t.same(bad, ["demo.yaml:8:52: unknown reference '$nope'"]);
});

t.test('an unknown argument holding a $reference is named, not a crash', async (t) => {
  const out = problems(HEAD + 'subtests:\n  - name: one\n    steps:\n      - open: {driver: vgem, as: fd}\n      - close: {fdx: $fd}\n');
  t.same(out, ["demo.yaml:8:16: 'fd': missing (required)", "demo.yaml:8:17: unknown key 'fdx'"]);
});

t.test('nesting deeper than the limit is refused where it goes too deep, block or flow', async (t) => {
  const block = HEAD + 'subtests:\n  - name: one\n    steps:\n' + Array.from({ length: 3000 }, (_, i) => ' '.repeat(6 + 2 * i) + '-').join('\n') + ' x\n';
  const [b] = problems(block);
  t.match(b, /^demo\.yaml:\d+:\d+: nested more than 100 levels deep$/);
  t.notMatch(b, /^demo\.yaml:1:1:/);
  const [f] = problems(HEAD + 'subtests: ' + '['.repeat(5000) + ']'.repeat(5000) + '\n');
  t.match(f, /^demo\.yaml:4:\d+: nested more than 100 levels deep$/);
  t.same(problems(HEAD + 'subtests:\n  - name: one\n    steps: [' + '['.repeat(20) + ']'.repeat(20) + ']\n').length, 1, 'moderate nesting is checked as usual');
});

t.test('an unresolved alias is reported where it is used', async (t) => {
  const out = problems(HEAD + 'subtests:\n  - name: one\n    steps:\n      - open: *nope\n');
  t.same(out, ['demo.yaml:7:15: Unresolved alias (the anchor must be set before the alias): nope']);
});

t.test('an empty, UTF-16 or binary file is one clear message', async (t) => {
  const dir = t.testdir({
    'empty.yaml': '',
    'comment.yaml': '# nothing\n',
    'wide.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('suite: wide\n', 'utf16le')]),
    'binary.yaml': Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01\0\0\0'), Buffer.alloc(100_000, 'a: b: c\n[')]),
  });
  const messages = (name: string) => {
    try {
      loadSuite(`${dir}/${name}`);
    } catch (e) {
      if (e instanceof InputError) return e.message;
      throw e;
    }
    return '';
  };
  t.match(messages('empty.yaml'), /empty\.yaml:1:1: the file is empty; a suite is a mapping/);
  t.match(messages('comment.yaml'), /comment\.yaml:1:1: the file is empty/);
  t.match(messages('wide.yaml'), /wide\.yaml:1:1: the file is UTF-16 encoded; save it as UTF-8/);
  const binary = messages('binary.yaml');
  t.match(binary, /binary\.yaml:1:1: not a text file/);
  t.equal(binary.split('\n').length, 1);
});

t.test('a text file that is not YAML at all gets a few lines, not megabytes', async (t) => {
  const out = problems(Array.from({ length: 2000 }, (_, i) => `a${i}: b: c`).join('\n'));
  t.ok(out.length <= 11, `${out.length} lines`);
  t.match(out[0], /^demo.yaml:1:5: Nested mappings are not allowed/);
  t.match(out[out.length - 1], /more syntax errors not shown/);
});
