// IGT's results.json itself (results_version 10), metadata included.
import type { Reporter } from '../reporter.ts';

const json: Reporter = {
  name: 'json',
  description: "IGT's results.json",
  defaultFile: 'results.json',
  render(results) {
    return { content: `${JSON.stringify(results, null, 2)}\n` };
  },
};

export default json;
