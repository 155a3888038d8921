// Issue 11 end to end on real kernels: `primeci ci --native` fetches a
// 3-patch series from a (stand-in) Patchwork, builds Debian's 6.1 with each
// prefix by the module path, runs vgem_basic and prime_self_import in QEMU on
// each, names patch 2 first bad for what it breaks (vgem.ko) and patch 3 for
// the rest (drm.ko), says patch 1 changes nothing, and posts one check per
// patch. The same series again compiles nothing.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { vmTestGate } from '../../vm/availability.ts';
import { kernelBuildGate } from './gate.ts';
import { primeci } from './native.ts';
import { standInPatchwork, tokenLeak, TOKEN } from './patchwork-stub.ts';

t.setTimeout(3_600_000); // up to four kernels and as many guests under TCG

const gates = [vmTestGate(), kernelBuildGate()];
const skip = gates.map((g) => g.skip).find(Boolean) ?? false;
const scratch = mkdtempSync(join(tmpdir(), 'primeci-ci-native-'));
const env = { ...process.env, PATCHWORK_TOKEN: TOKEN };

t.test('a 3-patch series checked on real kernels, attributed patch by patch, posted to Patchwork', { skip }, async (t) => {
  for (const g of gates) if (g.requiredButMissing) return t.fail(`required here: ${g.requiredButMissing}`);
  const pw = await standInPatchwork(t);
  const root = join(scratch, 'first');
  const ran = await primeci(
    ['ci', '--native', '--patchwork', pw.url, '--series-id', '9', '--context', 'primeci-native', 'vgem_basic', 'prime_self_import', '--results-root', root],
    env,
  );
  t.equal(ran.code, 1, `FAILURE: exit 1\n${ran.stderr.slice(-3000)}`);
  t.notOk(tokenLeak(ran.stdout + ran.stderr), 'no output holds the token or a piece of it');
  t.match(ran.stdout, /CI Bug Log - changes from debian-6\.1 -> debian-6\.1\+patch-3-of-3/, 'the builds are named after the kernels');
  t.match(ran.stdout, /igt@vgem_basic@bad-pad:[^]*?first bad: \[PATCH 2\/3\] drm\/vgem: stop checking the fence-attach pad/);
  t.match(ran.stdout, /igt@prime_self_import@basic-with_one_bo:[^]*?first bad: \[PATCH 3\/3\] drm\/prime: import a dma-buf again/);

  const comparison = JSON.parse(readFileSync(join(root, 'comparison.json'), 'utf8'));
  const firstBad: Record<string, number> = comparison.attribution.firstBad;
  t.equal(firstBad['igt@vgem_basic@bad-pad'], 2, 'what vgem.ko breaks comes with patch 2');
  const others = Object.entries(firstBad).filter(([test]) => test !== 'igt@vgem_basic@bad-pad');
  t.ok(others.length > 0, 'patch 3 breaks something too');
  t.same(others.filter(([, k]) => k !== 3), [], 'everything else comes with patch 3');
  t.ok(others.every(([test]) => test.startsWith('igt@prime_self_import@')), 'patch 3 breaks prime_self_import (drm.ko)');
  t.notOk(Object.values(firstBad).includes(1), 'patch 1 brings nothing');
  t.match(ran.stdout, /\[PATCH 1\/3\][^\n]*\n?[^\n]*changes nothing/, 'the per-patch table says patch 1 changes nothing');

  t.same(
    pw.posted.map((p) => [p.patchId, p.body.state, p.body.context]),
    [[901, 'success', 'primeci-native'], [902, 'fail', 'primeci-native'], [903, 'fail', 'primeci-native']],
    'one check per patch: patches before the first bad one pass',
  );

  // The same series again: every prefix comes from the kernel cache.
  const again = await primeci(
    ['ci', '--native', '--patchwork', pw.url, '--series-id', '9', '-t', 'vgem_basic@bad-pad$', '--results-root', join(scratch, 'again')],
    env,
  );
  t.equal(again.code, 1, again.stderr.slice(-2000));
  t.notMatch(again.stderr, /compiling|: built:/, 'nothing compiled the second time');
  t.match(again.stderr, /debian-6\.1\+patch-3-of-3: from the cache/);
});
