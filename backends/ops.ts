// The op vocabulary: one entry per uAPI operation a scenario may perform.
// Each backend implements these ops by name; this table is the single source of
// their argument schemas, from which the scenario schema (and suites/schema.json)
// is derived, so a scenario runs unchanged on the simulator and the real kernel.
import { z } from 'zod';

const int = z.number().int();
const fd = int.describe('file descriptor');
const handle = int.describe('GEM handle (per drm file)');
const mapping = int.describe('mapping returned by mmap');

/** A flag set: the symbolic names, or a raw integer (to feed the kernel invalid bits). */
function flags<const T extends readonly [string, ...string[]]>(names: T) {
  return z.union([int, z.array(z.enum(names))]);
}

/** Byte content: one repeated byte, or a generated pattern. */
const content = {
  byte: int.min(0).max(255).optional().describe('every byte equals this value'),
  pattern: z.enum(['index8', 'index32']).optional()
    .describe('index8: byte i = i & 0xff; index32: dword i = i (little endian)'),
};

export const OPS = {
  open: {
    summary: 'Open a DRM device by driver name (DRM_IOCTL_VERSION) or path; returns its fd.',
    args: { driver: z.string().optional(), path: z.string().optional() },
    result: 'fd',
  },
  close: { summary: 'close(2) any fd.', args: { fd }, result: 'nothing' },
  dup: { summary: 'dup(2); returns the new fd.', args: { fd }, result: 'fd' },
  create_dumb: {
    summary: 'DRM_IOCTL_MODE_CREATE_DUMB.',
    args: { fd, width: int, height: int, bpp: int, flags: int.optional() },
    result: '{handle, pitch, size}',
  },
  map_dumb: {
    summary: 'DRM_IOCTL_MODE_MAP_DUMB: the fake offset to mmap the handle through its drm fd.',
    args: { fd, handle },
    result: 'offset',
  },
  gem_close: { summary: 'DRM_IOCTL_GEM_CLOSE.', args: { fd, handle }, result: 'nothing' },
  gem_flink: { summary: 'DRM_IOCTL_GEM_FLINK; returns the global name.', args: { fd, handle }, result: 'name' },
  gem_open: { summary: 'DRM_IOCTL_GEM_OPEN of a flink name.', args: { fd, name: int }, result: '{handle, size}' },
  prime_handle_to_fd: {
    summary: 'DRM_IOCTL_PRIME_HANDLE_TO_FD (export); returns the dma-buf fd.',
    args: { fd, handle, flags: flags(['cloexec', 'rdwr']).optional() },
    result: 'fd',
  },
  prime_fd_to_handle: {
    summary: 'DRM_IOCTL_PRIME_FD_TO_HANDLE (import); returns the handle in this drm file.',
    args: { fd, dmabuf: fd },
    result: 'handle',
  },
  mmap: {
    summary: 'mmap(2) of a drm fd at a fake offset (GEM handle) or of a dma-buf fd; MAP_SHARED.',
    args: {
      fd,
      length: int,
      offset: int.optional(),
      prot: z.array(z.enum(['read', 'write'])).optional(),
    },
    result: 'mapping',
  },
  munmap: { summary: 'munmap(2) a whole mapping.', args: { map: mapping }, result: 'nothing' },
  lseek: {
    summary: 'lseek(2); returns the new offset.',
    args: { fd, offset: int, whence: z.enum(['set', 'cur', 'end']) },
    result: 'offset',
  },
  mem_write: {
    summary: 'Store bytes through a mapping (memset / pattern fill).',
    args: { map: mapping, offset: int.optional(), length: int.optional(), ...content },
    result: 'nothing',
  },
  mem_read: {
    summary: 'Load bytes through a mapping; returns them (compare with expect: {bytes: ...}).',
    args: { map: mapping, offset: int.optional(), length: int.optional() },
    result: 'bytes',
  },
} as const satisfies Record<string, OpSpec>;

export interface OpSpec {
  summary: string;
  /** Argument schemas; optional() marks an argument with a default. */
  args: Record<string, z.ZodType>;
  /** What the op returns, in words (documentation and `as:` bindings). */
  result: string;
  /** Models kernel internals or a simulated GPU: only the simulator has it. */
  simOnly?: boolean;
}

export type OpName = keyof typeof OPS;
export const OP_NAMES = Object.keys(OPS) as OpName[];

export function isOpName(name: string): name is OpName {
  return Object.hasOwn(OPS, name);
}

/** The parsed, defaulted arguments an op handler receives. */
export type OpArgs<N extends OpName> = z.infer<z.ZodObject<(typeof OPS)[N]['args']>>;

const strictSchemas = new Map<string, z.ZodObject>();
/** Strict runtime schema of an op's arguments (after `$refs` are resolved). */
export function argsSchema(op: OpName): z.ZodObject {
  let schema = strictSchemas.get(op);
  if (!schema) {
    schema = z.strictObject((OPS as Record<string, OpSpec>)[op].args);
    strictSchemas.set(op, schema);
  }
  return schema;
}
