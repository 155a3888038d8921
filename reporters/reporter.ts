// The reporter plugin contract: one results model in, one document out.
// A new format is a new file in reporters/formats/ exporting a Reporter.
import type { TestrunResult } from '../runner/results/igt.ts';

export interface ReportContext {
  /** The environment the report is made in (GITHUB_ACTIONS turns on annotations). */
  env: Record<string, string | undefined>;
}

export interface Report {
  content: string;
  /** Workflow commands for the CI job log (GitHub `::error`), printed to stdout. */
  annotations?: string[];
}

export interface Reporter {
  name: string;
  description: string;
  /** File name inside the results directory when `--reporter NAME` names no file. */
  defaultFile: string;
  render(results: TestrunResult, context: ReportContext): Report | Promise<Report>;
}
