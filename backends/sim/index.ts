// The simulator backend: a deterministic model of the kernel's buffer-sharing
// code, one fresh machine per session.
import type { Backend, Session, SessionOptions } from '../backend.ts';
import { RandomChooser, ScriptedChooser } from './chooser.ts';
import { parseBuild } from './profile.ts';
import { SimSession } from './session.ts';

export { parseBuild } from './profile.ts';

export const simBackend: Backend = {
  name: 'sim',
  unavailable: () => undefined,
  session(options: SessionOptions): Session {
    const build = parseBuild(options.build);
    if (!build.ok) throw new Error(`sim: ${build.error}`);
    const chooser = options.schedule
      ? new ScriptedChooser(options.schedule.prefix, options.schedule.taken)
      : new RandomChooser(options.seed);
    return new SimSession(build, chooser, options.test);
  },
};
