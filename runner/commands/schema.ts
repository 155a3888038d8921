// primeci schema [-o FILE]: print (or write) the JSON Schema of suite files.
import { writeFileSync } from 'node:fs';
import { parse } from '../options.ts';
import { suiteJsonSchema } from '../scenario/json-schema.ts';

export default async function schema(argv: string[]): Promise<number> {
  const { values } = parse('schema', argv, { output: { type: 'string', short: 'o' } });
  const text = JSON.stringify(suiteJsonSchema(), null, 2) + '\n';
  if (values.output) writeFileSync(values.output, text);
  else process.stdout.write(text);
  return 0;
}
