// The udmabuf, dmabuf_heaps and dmabuf suites through the CLI: their names
// as `primeci list` prints them, and their verdicts on the simulator's
// linux-6.1 and mainline profiles (the kernel selftests skip there, saying why).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const root = new URL('../../', import.meta.url).pathname;
const primeci = join(root, 'bin/primeci.js');
const run = promisify(execFile);

/** drivers/dma-buf/selftests.h of Debian's 6.1, in its order. */
const SELFTESTS = ['sanitycheck', 'dma_fence', 'dma_fence_chain', 'dma_fence_unwrap', 'dma_resv'];

t.test('list names each kernel selftest as a dynamic subtest of dmabuf@all-tests', async (t) => {
  const { stdout } = await run(process.execPath, [primeci, 'list', 'dmabuf'], { cwd: root });
  t.same(stdout.trim().split('\n'), SELFTESTS.map((name) => `igt@dmabuf@all-tests@${name}`));
});

t.test('list names the udmabuf and dmabuf_heaps scenarios', async (t) => {
  const { stdout } = await run(process.execPath, [primeci, 'list', 'udmabuf', 'dmabuf_heaps'], { cwd: root });
  const names = stdout.trim().split('\n');
  t.ok(names.includes('igt@udmabuf@create-unaligned-offset') && names.includes('igt@udmabuf@create-not-memfd'));
  t.ok(names.includes('igt@dmabuf_heaps@alloc-zeroed@4k') && names.includes('igt@dmabuf_heaps@alloc-compat'));
  t.equal(names.length, 17);
});

for (const profile of ['linux-6.1', 'mainline']) {
  t.test(`on ${profile}: udmabuf and dmabuf_heaps pass, dmabuf skips for want of in-kernel selftests`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'primeci-buffers-'));
    const suites = ['udmabuf', 'dmabuf_heaps', 'dmabuf'].map((s) => join(root, 'suites', `${s}.yaml`));
    await run(process.execPath, [primeci, 'run', '--profile', profile, '--results', dir, ...suites], { cwd: root })
      .catch((e: { code: number }) => t.fail(`the run exits ${e.code}`));
    const { tests } = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
      tests: Record<string, { result: string; out: string }>;
    };
    const names = Object.keys(tests);
    t.equal(names.length, 22);
    for (const name of names.filter((n) => !n.startsWith('igt@dmabuf@'))) t.equal(tests[name].result, 'pass', name);
    for (const name of SELFTESTS.map((s) => `igt@dmabuf@all-tests@${s}`)) {
      t.equal(tests[name]?.result, 'skip', name);
      t.match(tests[name]?.out, /Test requirement: feature dmabuf_selftests: the simulator has no in-kernel selftests/);
    }
  });
}
