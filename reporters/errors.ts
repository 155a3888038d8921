/**
 * Bad input to a report (results, known issues, a reporter name, a Patchwork
 * request): the message says which file or flag, and commands exit 2 with it.
 */
export class ReportInputError extends Error {
  override name = 'ReportInputError';
}
