// primeci kernel build [--source debian-6.1|DIR] [--patch FILE]... [--full] [--lockdep] [-o DIR]
// Builds (or finds in the cache) the kernel a series of patches needs and
// prints the kernel folder's path last, for `primeci vm --kernel-dir`.
import { buildKernel, exportKernelFolder } from '../../kernel/build.ts';
import { describeKernel } from '../../kernel/manifest.ts';
import { readSeries } from '../../kernel/series.ts';
import { parse } from '../options.ts';
import { UsageError } from '../usage.ts';

const OPTIONS = {
  source: { type: 'string' },
  patch: { type: 'string', multiple: true },
  full: { type: 'boolean' },
  lockdep: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

const USAGE = `usage: primeci kernel build [--source debian-6.1|DIR] [--patch FILE]... [--full] [--lockdep] [-o DIR]

  --source S   debian-6.1 (Debian's linux-source-6.1, the default) or a kernel tree
  --patch F    a patch (git format-patch or a plain diff), applied in the order given
  --full       a whole kernel (vmlinux + modules, kernel/config/vm.fragment) instead of
               Debian's packaged kernel with the touched modules rebuilt
  --lockdep    a whole kernel with PROVE_LOCKING (implies --full)
  -o DIR       copy the kernel folder there (default: it stays in the cache)

Prints the kernel folder last; boot it with primeci vm --kernel-dir DIR -- run ...`;

export default async function kernel(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (sub !== 'build') throw new UsageError(`primeci kernel: expected 'build'\n${USAGE}`);
  const { values, positionals } = parse('kernel build', rest, OPTIONS);
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (positionals.length) throw new UsageError(`primeci kernel build: unexpected ${positionals.join(' ')}\n${USAGE}`);
  const patches = values.patch?.length ? (await readSeries(values.patch)).patches : [];
  const tty = process.stderr.isTTY;
  const { folder, cached } = await buildKernel({
    source: values.source,
    patches,
    full: values.full,
    lockdep: values.lockdep,
    progress: (line) => process.stderr.write(`${tty ? '\x1b[2m' : ''}primeci kernel: ${line}${tty ? '\x1b[0m' : ''}\n`),
  });
  const out = values.output ? exportKernelFolder(folder, values.output) : folder;
  process.stderr.write(`primeci kernel: ${cached ? 'cache hit' : `built in ${folder.manifest.seconds} s`}: ${describeKernel(folder.manifest)}\n`);
  process.stdout.write(out.dir + '\n');
  return 0;
}
