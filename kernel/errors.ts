/** A kernel build that cannot go on: bad input (a source, a patch that does not
 * apply or touches built-in code) or a failed compile. The message names the
 * file and, for a compile, the build log; the CLI prints it and exits 2. */
export class KernelBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelBuildError';
  }
}
