import { readFileSync } from 'node:fs';
import t from 'tap';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { suiteJsonSchema } from '../../runner/scenario/json-schema.ts';
import { suiteFiles } from '../../runner/scenario/load.ts';

const SCHEMA_FILE = new URL('../../suites/schema.json', import.meta.url);

t.test('suites/schema.json is current (regenerate: primeci schema -o suites/schema.json)', async (t) => {
  t.same(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')), suiteJsonSchema());
});

t.test('editors accept every shipped suite and reject a misspelt op', async (t) => {
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
  for (const file of suiteFiles([])) {
    const ok = validate(parse(readFileSync(file, 'utf8')));
    t.ok(ok, `${file}: ${JSON.stringify(validate.errors?.[0])}`);
  }
  const bad = { suite: 'x', summary: 'x', subtests: [{ name: 'a', steps: [{ opne: { driver: 'vgem' } }] }] };
  t.notOk(validate(bad));
  const badArg = { suite: 'x', summary: 'x', subtests: [{ name: 'a', steps: [{ open: { drive: 'vgem' } }] }] };
  t.notOk(validate(badArg));
});
