// The end-of-run console summary (reporters/console.ts) as a report format.
import { formatConsoleSummary } from '../console.ts';
import type { Reporter } from '../reporter.ts';

const consoleSummary: Reporter = {
  name: 'console',
  description: 'the plain-text summary printed at the end of a run',
  defaultFile: 'summary.txt',
  render(results) {
    const text = formatConsoleSummary(results);
    return { content: text.endsWith('\n') ? text : `${text}\n` };
  },
};

export default consoleSummary;
