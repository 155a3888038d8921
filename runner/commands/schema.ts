// primeci schema [-o FILE]: print (or write) the JSON Schema of suite files.
import { writeOutput } from '../folders.ts';
import { parse } from '../options.ts';
import { suiteJsonSchema } from '../scenario/json-schema.ts';

export default async function schema(argv: string[]): Promise<number> {
  const { values } = parse('schema', argv, { output: { type: 'string', short: 'o' } });
  const text = JSON.stringify(suiteJsonSchema(), null, 2) + '\n';
  if (values.output !== undefined) writeOutput(values.output, text, `schema -o ${values.output}`);
  else process.stdout.write(text);
  return 0;
}
