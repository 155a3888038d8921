// Generated buffer contents, as backends/ops.ts defines them for mem_write,
// gem_pwrite and GPU jobs: one repeated byte, or a pattern (index8: byte i =
// i & 0xff; index32: dword i = i, little endian) where i counts from the start
// of the mapping (mem_write) or of the write (gem_pwrite, GPU jobs).
import { ERR, type KResult } from './errors.ts';

export interface ContentArgs {
  byte?: unknown;
  pattern?: unknown;
}

/** Byte i of the content the args describe; EINVAL when they describe none. */
export function contentFiller(args: ContentArgs): KResult<(i: number) => number> {
  if (args.pattern === 'index8') return (i) => i & 0xff;
  if (args.pattern === 'index32') return (i) => ((i >>> 2) >>> ((i & 3) * 8)) & 0xff;
  if (typeof args.byte === 'number') return () => args.byte as number;
  return ERR('EINVAL', 'the content needs byte or pattern');
}
