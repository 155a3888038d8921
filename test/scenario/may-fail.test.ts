// expect: {may_fail: [...]}: a racing op may succeed or fail with a listed
// errno; a failed one binds -1, as the ioctl leaves its out field.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { parseSuite } from '../../runner/scenario/parse.ts';
import { InputError, YamlSource } from '../../runner/scenario/source.ts';
import type { OpStep } from '../../runner/scenario/model.ts';

const root = new URL('../../', import.meta.url).pathname;
const HEAD = 'suite: demo\nsummary: a demo\nrequires: [vgem]\nsubtests:\n  - name: one\n    steps:\n      - open: {driver: vgem, as: fd}\n';

function parse(step: string): OpStep | string[] {
  try {
    return parseSuite(YamlSource.parse('demo.yaml', `${HEAD}      - ${step}\n`)).subtests[0].steps[1] as OpStep;
  } catch (e) {
    if (e instanceof InputError) return e.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`);
    throw e;
  }
}

t.test('may_fail parses to a list of errnos and refuses bad ones', async (t) => {
  t.same((parse('gem_close: {fd: $fd, handle: 1, expect: {may_fail: [EINVAL, ENOENT]}}') as OpStep).expect, { may_fail: ['EINVAL', 'ENOENT'] });
  t.same(parse('gem_close: {fd: $fd, handle: 1, expect: {may_fail: [EINVALL]}}'), ["8:61: unknown errno 'EINVALL'"]);
  t.same(parse('gem_close: {fd: $fd, handle: 1, expect: {may_fail: []}}'), ['8:60: may_fail takes a list of errno names']);
  t.match(parse('gem_close: {fd: $fd, handle: 1, expect: {may_fail: [EINVAL], eq: 1}}'), [/cannot be combined/]);
});

async function runSuite(steps: string[]): Promise<{ result: string; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'primeci-may-fail-'));
  const file = join(dir, 'demo.yaml');
  writeFileSync(file, HEAD + steps.map((s) => `      - ${s}\n`).join(''));
  await promisify(execFile)(process.execPath, [join(root, 'bin/primeci.js'), 'run', '--results', join(dir, 'r'), file], { cwd: root })
    .catch((e: { code?: number }) => { if (e.code !== 1) throw e; });
  const json = JSON.parse(readFileSync(join(dir, 'r', 'results.json'), 'utf8')) as { tests: Record<string, { result: string; out: string }> };
  return json.tests['igt@demo@one'];
}

t.test('a listed errno passes and binds -1; an unlisted one fails', async (t) => {
  const listed = await runSuite([
    'prime_handle_to_fd: {fd: $fd, handle: 7, as: dmabuf, expect: {may_fail: [ENOENT]}}',
    'assert: {eq: [$dmabuf, -1]}',
    'close: {fd: $dmabuf, expect: {errno: EBADF}}',
  ]);
  t.equal(listed.result, 'pass', listed.out);
  const success = await runSuite(['create_dumb: {fd: $fd, width: 1, height: 1, bpp: 8, as: bo, expect: {may_fail: [ENOMEM]}}', 'assert: {eq: [$bo.handle, 1]}']);
  t.equal(success.result, 'pass', 'success is accepted and bound as usual');
  const unlisted = await runSuite(['gem_close: {fd: $fd, handle: 7, expect: {may_fail: [ENOENT]}}']);
  t.equal(unlisted.result, 'fail');
  t.match(unlisted.out, /gem_close failed with -EINVAL, expected success or one of -ENOENT/);
});
