// The suite schema as JSON Schema (suites/schema.json), for editors. It is built
// from the same op table and suite shape the loader validates with.
import { z } from 'zod';
import { ERRNO_NAMES } from '../../backends/errno.ts';
import { OPS, type OpSpec } from '../../backends/ops.ts';
import { requirementSchema, suiteShape, yamlArg } from './parse.ts';

const value = z.unknown().describe('a literal or a $reference');
const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

const expectSchema = z.union([
  z.strictObject({ errno: z.enum(ERRNO_NAMES as [string, ...string[]]) }).describe('the op must fail with this errno'),
  z.strictObject({ may_fail: z.array(z.enum(ERRNO_NAMES as [string, ...string[]])).min(1) })
    .describe('a race decides: the op succeeds or fails with one of these errnos (then as: binds -1)'),
  z.object({
    eq: value.optional(),
    ne: value.optional(),
    bytes: z.strictObject({ byte: value.optional(), pattern: z.enum(['index8', 'index32']).optional() }).optional(),
  }).catchall(value).describe('conditions on the result; other keys compare fields of a record result'),
]);

function buildStepSchema(): z.ZodType {
  const steps: z.ZodType = z.array(z.lazy(() => step));
  const opSteps = Object.entries(OPS as Record<string, OpSpec>).map(([op, spec]) =>
    z.strictObject({
      [op]: z.strictObject({
        ...Object.fromEntries(Object.entries(spec.args).map(([k, t]) => [k, yamlArg(t)])),
        as: name.optional().describe('bind the result to $NAME'),
        expect: expectSchema.optional(),
        require: z.boolean().optional().describe('skip the subtest if this op fails'),
      }),
    }).describe(spec.summary),
  );
  const control = [
    z.strictObject({ call: z.record(z.string(), z.record(z.string(), value)) }).describe('call a procedure'),
    z.strictObject({ repeat: z.strictObject({ count: value.optional(), values: z.array(value).optional(), as: name.optional(), steps }) }),
    z.strictObject({ assert: z.record(z.enum(['eq', 'ne', 'lt', 'le', 'gt', 'ge']), z.tuple([value, value])) }),
    z.strictObject({ sleep: z.strictObject({ ms: value }) }),
    z.strictObject({
      parallel: z.strictObject({ threads: value, iterations: value.optional(), duration_ms: value.optional(), as: name.optional(), steps }),
    }),
    z.strictObject({ fork: z.strictObject({ steps }) }),
  ];
  const step: z.ZodType = z.union([...opSteps, ...control]);
  return step;
}

export function suiteJsonSchema(): unknown {
  const step = buildStepSchema();
  const steps = z.array(step);
  const shape = suiteShape.extend({
    requires: z.array(requirementSchema).optional(),
    fixture: steps.optional(),
    procedures: z.record(z.string(), z.strictObject({ params: z.array(name).optional(), steps })).optional(),
    subtests: z.array(suiteShape.shape.subtests.element.extend({ steps })).min(1),
  });
  return { $id: 'https://primeci/suites/schema.json', title: 'primeci suite', ...z.toJSONSchema(shape, { unrepresentable: 'any', reused: 'ref' }) };
}
