// The native backend: the scenario ops as real syscalls through the Node-API
// addon (src/), for a real kernel (in practice: Debian's, booted by vm/).
import { existsSync } from 'node:fs';
import type { Backend, Session, SessionOptions } from '../backend.ts';
import { loadAddon } from './addon.ts';
import { NativeSession } from './session.ts';

export const nativeBackend: Backend = {
  name: 'native',
  unavailable() {
    const load = loadAddon();
    if (!load.ok) return load.reason;
    if (!existsSync('/dev/dri')) {
      return 'no /dev/dri on this machine (no DRM driver loaded): run inside the VM with `primeci vm -- run ...`, or load vgem (modprobe vgem)';
    }
    return undefined;
  },
  session(options: SessionOptions): Session {
    const load = loadAddon();
    if (!load.ok) throw new Error(`native backend unavailable: ${load.reason}`);
    return new NativeSession(load.addon, options.test);
  },
};
