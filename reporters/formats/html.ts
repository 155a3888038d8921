// A static HTML page for one run: totals, a filterable table of tests, and
// each test's out / err / dmesg.
import { STATUSES } from '../../runner/results/igt.ts';
import { renderPage } from '../html-page.ts';
import type { Reporter } from '../reporter.ts';
import { runInfo } from '../run-info.ts';
import { outcomeOf, statusWord } from '../status.ts';
import { countStatuses } from '../totals.ts';
import { duration } from '../test-output.ts';

const html: Reporter = {
  name: 'html',
  description: 'a self-contained HTML page',
  defaultFile: 'index.html',
  render(results) {
    const info = runInfo(results);
    const totals = countStatuses(results);
    const content = renderPage({
      title: `primeci ${results.name}`,
      subtitle: `${info.build} on ${info.host}${info.backend ? ` (${info.backend} backend)` : ''}`,
      totals: [
        { label: 'total', count: Object.keys(results.tests).length, tone: 'neutral' },
        ...STATUSES.filter((s) => totals[s] > 0).map((s) => ({ label: s, count: totals[s], tone: outcomeOf(s) })),
      ],
      columns: ['test', 'status', 'time (s)'],
      rows: Object.entries(results.tests).map(([name, test]) => ({
        id: name,
        status: test.result,
        tone: outcomeOf(test.result),
        cells: [name, statusWord(test.result), duration(test).toFixed(3)],
        details: [
          { title: 'out', text: test.out },
          { title: 'err', text: test.err },
          { title: 'dmesg', text: test.dmesg },
        ],
      })),
    });
    return { content };
  },
};

export default html;
