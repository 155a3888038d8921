// Loading a backend by name; an unusable one is a usage error with its reason.
import type { Backend, BackendName } from '../backends/backend.ts';
import { UsageError } from './usage.ts';

export const BACKEND_NAMES: readonly BackendName[] = ['sim', 'native'];

export async function loadBackend(name: string): Promise<Backend> {
  let backend: Backend;
  if (name === 'sim') backend = (await import('../backends/sim/index.ts')).simBackend;
  else if (name === 'native') backend = (await import('../backends/native/index.ts')).nativeBackend;
  else throw new UsageError(`--backend ${name}: unknown backend (choose ${BACKEND_NAMES.join(' or ')})`);
  const why = backend.unavailable();
  if (why !== undefined) throw new UsageError(`backend ${name} is unavailable: ${why}`);
  return backend;
}
