// One Patchwork check per patch of a series (POST /api/patches/ID/checks/),
// the states decided by the caller; each POST's outcome is reported, and one
// refused patch does not keep the others from being told.
import { ReportInputError } from '../errors.ts';
import { checkContext, checkTargetUrl, type Check } from './payload.ts';
import { endpoint, postJson } from './post.ts';

export interface PatchCheck {
  patchId: number;
  state: Check['state'];
  description: string;
}

export interface CheckOptions {
  /** The check's context slug, e.g. "primeci-kernel". */
  context: string;
  /** Where the results are; null when not given. */
  targetUrl?: string;
}

export type CheckOutcome = { patchId: number; state: Check['state']; url: string } & ({ status: number } | { error: string });

const STATES: readonly Check['state'][] = ['pending', 'success', 'warning', 'fail'];

/**
 * POSTs the checks in order to the Patchwork at `url` (the instance, `…/api`
 * or `…/api/1.2`). Bad arguments throw before anything is sent; a failed POST
 * is that check's `error` (never holding the token) and the rest are still sent.
 */
export async function postChecks(url: string, token: string, checks: PatchCheck[], options: CheckOptions): Promise<CheckOutcome[]> {
  const context = checkContext(options.context);
  const targetUrl = checkTargetUrl(options.targetUrl);
  for (const check of checks) {
    if (!Number.isInteger(check.patchId) || check.patchId < 1) throw new ReportInputError(`patch id ${JSON.stringify(check.patchId)}: expected a whole number ≥ 1`);
    if (!STATES.includes(check.state)) throw new ReportInputError(`patch ${check.patchId}: check state ${JSON.stringify(check.state)} is not one of ${STATES.join(', ')}`);
  }
  const outcomes: CheckOutcome[] = [];
  for (const { patchId, state, description } of checks) {
    const to = endpoint(url, { patchId });
    const body: Check = { state, context, description, target_url: targetUrl };
    try {
      const posted = await postJson(to, body, token, { created: true });
      outcomes.push({ patchId, state, url: posted.url, status: posted.status });
    } catch (error) {
      if (!(error instanceof ReportInputError)) throw error;
      outcomes.push({ patchId, state, url: to, error: error.message });
    }
  }
  return outcomes;
}
