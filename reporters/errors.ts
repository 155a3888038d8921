import type { z } from 'zod';

/**
 * Bad input to a report (results, known issues, a reporter name, a Patchwork
 * request): the message says which file or flag, and commands exit 2 with it.
 */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
}

/** zod's issue list as "at PATH: message" lines a user can act on. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => `  at ${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`)
    .join('\n');
}
