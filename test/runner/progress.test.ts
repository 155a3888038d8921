import t from 'tap';
import { createProgress, wantsLiveProgress } from '../../runner/progress.ts';

t.test('plain lines in CI, in igt_runner style', async (t) => {
  const out: string[] = [];
  const p = createProgress(12, false, (s) => out.push(s));
  p.ended('igt@prime_vgem@sync@rcs0', 'incomplete', 1.5);
  p.ended('igt@vgem_basic@create', 'pass', 0.01);
  p.finish();
  t.same(out, ['[01/12] prime_vgem (sync@rcs0) incomplete (1.500s)\n', '[02/12] vgem_basic (create) pass (0.010s)\n']);
});

t.test('one live line on a terminal; problems are printed above it', async (t) => {
  const out: string[] = [];
  const p = createProgress(3, true, (s) => out.push(s));
  p.ended('igt@a@x', 'pass', 0.1);
  p.ended('igt@a@y', 'fail', 0.1);
  p.finish();
  t.match(out[0], /^\r\x1b\[K\[1\/3\] 0 failed · [\d.]+s · ETA \d+s$/);
  t.match(out[1], /^\r\x1b\[K\[2\/3\] a \(y\) fail \(0\.100s\)\n\[2\/3\] 1 failed/);
  t.equal(out[2], '\r\x1b[K');
});

t.test('live progress only on a TTY without CI or NO_COLOR', async (t) => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  t.equal(wantsLiveProgress(tty, {}), true);
  t.equal(wantsLiveProgress(tty, { CI: 'true' }), false);
  t.equal(wantsLiveProgress(tty, { NO_COLOR: '1' }), false);
  t.equal(wantsLiveProgress({ isTTY: false } as NodeJS.WriteStream, {}), false);
});
