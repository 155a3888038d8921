// Where a mirrored subtest can run on a real kernel, derived from what its
// scenario declares and issues: the DRM drivers and kernel features it
// requires, unless it needs a simulated device or a simulator-only op.
import { ANY_DRIVER, NOT_ANY_DRIVERS } from '../../backends/drivers.ts';
import { OPS, type OpSpec } from '../../backends/ops.ts';
import { i915_sim_driver } from '../../backends/sim/i915_sim.ts';
import { opsUsed } from '../interpret.ts';
import type { Job } from '../job.ts';

/** Devices only the simulator has: the model GPU standing in for i915. */
const SIMULATED_DEVICES = new Set([i915_sim_driver.name]);

export function nativeTargets(job: Job): string {
  const requires = [...job.suite.requires, ...job.subtest.requires, ...(job.dynamic?.requires ?? [])];
  const drivers = requires.flatMap((r) => ('driver' in r ? [r.driver === ANY_DRIVER ? `DRIVER_ANY (not ${NOT_ANY_DRIVERS.join('/')})` : r.driver] : []));
  const features = requires.flatMap((r) => ('feature' in r ? [r.feature] : []));
  const simulated = drivers.filter((d) => SIMULATED_DEVICES.has(d));
  if (simulated.length > 0) return `simulator only (${simulated.join(', ')})`;
  const ops = opsUsed(job.suite, [...job.suite.fixture, ...job.subtest.steps]);
  const simOps = [...ops].filter((op) => (OPS as Record<string, OpSpec>)[op].simOnly).sort();
  if (simOps.length > 0) return `simulator only (op ${simOps.join(', ')})`;
  if (drivers.length === 0) return features.length > 0 ? `any, with ${features.join(', ')}` : 'any';
  return [drivers.join(', '), ...(features.length > 0 ? [`with ${features.join(', ')}`] : [])].join(' ');
}
