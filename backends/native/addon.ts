// Loading the compiled Node-API addon (built by node-gyp at `npm install`).
// Its absence is a reason, not an exception: the backend reports itself unavailable.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** What the C side returns for one op: err is 0 or a positive errno. */
export interface RawResult {
  err: number;
  /** src/native.h NAT_VALUES integers; which mean what depends on the op. */
  value: number[];
  bytes?: Uint8Array;
}

/** An op as the C executor takes it (src/native.h: struct nat_op). */
export type RawOp = [code: number, args: number[], str?: string];

export interface NativeAddon {
  execute(code: number, args: number[], str?: string): RawResult;
  /** A group of native threads or forked children; returns its id, or -errno. */
  groupOpen(forked: boolean, members: number): number;
  /** Starts an op on an idle member (its last op collected): 0, or the errno
   * of a malformed op. Throws for an unknown group or member, or a busy one. */
  groupSubmit(group: number, member: number, ...op: RawOp): number;
  /** Waits until ops of any groups finished and returns them as
   * [group, member, result]; [] at once when no op is in flight. */
  groupCollect(): [group: number, member: number, result: RawResult][];
  /** Ends the group; an op still running is abandoned and its result dropped. */
  groupEnd(group: number): void;
  /** DRM_IOCTL_VERSION name of each /dev/dri/cardN. */
  drivers(): string[];
}

export const ADDON_PATH = fileURLToPath(new URL('./build/Release/primeci_native.node', import.meta.url));

export type AddonLoad = { ok: true; addon: NativeAddon } | { ok: false; reason: string };

let loaded: AddonLoad | undefined;

export function loadAddon(): AddonLoad {
  loaded ??= loadAddonFrom(ADDON_PATH);
  return loaded;
}

export function loadAddonFrom(path: string): AddonLoad {
  if (!existsSync(path)) {
    return {
      ok: false,
      reason: `the native addon is not compiled (${path} is missing): install a C toolchain (gcc, make, python3), then re-run npm install`,
    };
  }
  try {
    return { ok: true, addon: createRequire(import.meta.url)(path) as NativeAddon };
  } catch (e) {
    return { ok: false, reason: `the native addon failed to load: ${(e as Error).message}; re-run npm install to rebuild it` };
  }
}
