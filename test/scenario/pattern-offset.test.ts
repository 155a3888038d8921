// A pattern written at an offset is counted from the start of the mapping, on
// the simulator as natively, and the interpreter's bytes check agrees.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { execa } from 'execa';

const BIN = new URL('../../bin/primeci.js', import.meta.url).pathname;
const SUITE = `suite: pattern
summary: patterns at an offset
requires: [vgem]
subtests:
  - name: offset
    steps:
      - open: {driver: vgem, as: fd}
      - create_dumb: {fd: $fd, width: 1024, height: 1, bpp: 32, as: bo}
      - map_dumb: {fd: $fd, handle: $bo.handle, as: off}
      - mmap: {fd: $fd, offset: $off, length: 4096, as: m}
      - mem_write: {map: $m, offset: 100, length: 200, pattern: index32}
      - mem_read: {map: $m, offset: 100, length: 200, expect: {bytes: {pattern: index32}}}
      # dword 25 (bytes 100..103) holds 25: the pattern did not restart at the offset
      - mem_read: {map: $m, offset: 100, length: 1, expect: {bytes: {byte: 25}}}
`;

t.test('patterns count from the start of the mapping', async (t) => {
  const dir = t.testdir({ 'pattern.yaml': SUITE });
  const r = await execa('node', [BIN, 'run', 'pattern.yaml', '--results', join(dir, 'out')], { cwd: dir, reject: false });
  const results = JSON.parse(readFileSync(join(dir, 'out', 'results.json'), 'utf8'));
  t.equal(results.tests['igt@pattern@offset'].result, 'pass', results.tests['igt@pattern@offset'].out);
  t.equal(r.exitCode, 0);
});
