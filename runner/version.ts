// primeci's identity in IGT's output lines and results metadata.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export const PRIMECI_VERSION: string = pkg.version;

/** IGT prints `IGT-Version: 1.28-g… (x86_64) (Linux: 6.1.0 x86_64)` first in every test's output. */
export function igtVersionLine(backend: string, build: string): string {
  return `IGT-Version: primeci-${PRIMECI_VERSION} (${process.arch}) (${backend}: ${build})`;
}
