// Suite YAML → scenario model, with every problem reported at its YAML node.
import { z } from 'zod';
import type { Requirement } from '../../backends/backend.ts';
import { isErrno, type Errno } from '../../backends/errno.ts';
import { OP_NAMES, argsSchema, isOpName } from '../../backends/ops.ts';
import type {
  Arg, BytesMatch, DynamicSubtest, Expectation, OpStep, Procedure, Step, Subtest, Suite, AssertStep,
} from './model.ts';
import { formatRef, refsIn, toArg } from './refs.ts';
import { InputError, type Diagnostic, type YamlPath, type YamlSource } from './source.ts';
import { closest } from './spelling.ts';

export const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ident = z.string().regex(IDENT, 'must be an identifier (letters, digits, _)');
/** IGT test names: lower-case words joined by - or _ (igt_runner lower-cases them). */
const testName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, - and _');

export const requirementSchema = z.union([
  z.string().describe('shorthand for {driver: NAME}'),
  z.strictObject({ driver: z.string() }),
  z.strictObject({ op: z.enum(OP_NAMES as [string, ...string[]]) }),
  z.strictObject({ feature: z.string() }),
]);

const dynamicSchema = z.strictObject({
  name: testName,
  with: z.record(z.string().regex(IDENT), z.unknown()).optional(),
  requires: z.array(requirementSchema).optional(),
});

/** The suite's structure above the steps (steps are parsed one by one below). */
export const suiteShape = z.strictObject({
  suite: testName,
  summary: z.string().min(1),
  igt: z.string().optional(),
  differs: z.string().min(1).optional().describe('a deliberate difference from IGT that holds for every subtest'),
  requires: z.array(requirementSchema).optional(),
  fixture: z.array(z.unknown()).optional(),
  procedures: z
    .record(z.string().regex(IDENT), z.strictObject({ params: z.array(ident).optional(), steps: z.array(z.unknown()) }))
    .optional(),
  subtests: z
    .array(
      z.strictObject({
        name: testName,
        summary: z.string().optional(),
        differs: z.string().min(1).optional().describe('a deliberate difference from the IGT subtest, and why'),
        requires: z.array(requirementSchema).optional(),
        dynamic: z.array(dynamicSchema).min(1).optional(),
        steps: z.array(z.unknown()),
      }),
    )
    .min(1),
});

type SuiteShape = z.infer<typeof suiteShape>;

export const CONTROL_STEPS = ['call', 'repeat', 'assert', 'sleep', 'parallel', 'fork'] as const;
const RELATIONS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;

const refString = z.string().regex(/^\$[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, 'a $reference');

/** An op argument as written in YAML: its literal type, or a `$reference`; so are the elements of a list and the fields of a record. */
export function yamlArg(type: z.ZodType): z.ZodType {
  if (type instanceof z.ZodOptional) return yamlArg(type.unwrap() as z.ZodType).optional();
  if (type instanceof z.ZodArray) return z.union([z.array(yamlArg(type.element as z.ZodType)), refString]);
  if (type instanceof z.ZodObject) {
    const shape = Object.fromEntries(Object.entries(type.shape).map(([k, v]) => [k, yamlArg(v as z.ZodType)]));
    return z.union([z.strictObject(shape), refString]);
  }
  return z.union([type, refString]);
}

/** Names bound so far in the current frame (for `$ref` checking). */
type Scope = Set<string>;

class SuiteParser {
  readonly diagnostics: Diagnostic[] = [];
  private procedures: Record<string, Procedure> = {};

  constructor(private readonly src: YamlSource) {}

  parse(): Suite | undefined {
    const data = this.src.data();
    if (!isRecord(data)) {
      const found = data === null || data === undefined ? 'the file is empty' : `found ${Array.isArray(data) ? 'a list' : `a ${typeof data}`}`;
      this.error([], `${found}; a suite is a mapping with suite, summary and subtests`);
      return undefined;
    }
    const shape = suiteShape.safeParse(data);
    if (!shape.success) {
      for (const issue of shape.error.issues) this.zodIssue([], issue, data);
      return undefined;
    }
    const s = shape.data;
    this.procedures = this.parseProcedures(s);
    const fixtureScope: Scope = new Set();
    const fixture = this.parseSteps(['fixture'], s.fixture ?? [], fixtureScope);
    const subtests = s.subtests.map((t, i) => this.parseSubtest(['subtests', i], t, fixtureScope));
    this.checkUniqueNames(s);
    return {
      name: s.suite,
      summary: s.summary,
      ...(s.igt !== undefined && { igt: s.igt }),
      ...(s.differs !== undefined && { differs: s.differs }),
      file: this.src.file,
      requires: (s.requires ?? []).map(toRequirement),
      fixture,
      procedures: this.procedures,
      subtests,
    };
  }

  private parseProcedures(s: SuiteShape): Record<string, Procedure> {
    const out: Record<string, Procedure> = {};
    // Declare all first so procedures may call each other regardless of order.
    for (const [name, p] of Object.entries(s.procedures ?? {})) {
      out[name] = { params: p.params ?? [], steps: [], at: this.src.locate(['procedures', name], true) };
    }
    this.procedures = out;
    for (const [name, p] of Object.entries(s.procedures ?? {})) {
      out[name].steps = this.parseSteps(['procedures', name, 'steps'], p.steps, new Set(p.params ?? []));
    }
    return out;
  }

  private parseSubtest(path: YamlPath, t: SuiteShape['subtests'][number], fixtureScope: Scope): Subtest {
    const dynamic: DynamicSubtest[] | undefined = t.dynamic?.map((d) => ({
      name: d.name,
      bindings: Object.fromEntries(Object.entries(d.with ?? {}).map(([k, v]) => [k, toArg(v)])),
      requires: (d.requires ?? []).map(toRequirement),
    }));
    const scope = new Set(fixtureScope);
    if (dynamic) {
      // Only names every dynamic subtest binds may be referenced.
      const [first, ...rest] = dynamic.map((d) => Object.keys(d.bindings));
      for (const name of first.filter((n) => rest.every((keys) => keys.includes(n)))) scope.add(name);
    }
    return {
      name: t.name,
      ...(t.summary !== undefined && { summary: t.summary }),
      ...(t.differs !== undefined && { differs: t.differs }),
      requires: (t.requires ?? []).map(toRequirement),
      steps: this.parseSteps([...path, 'steps'], t.steps, scope),
      ...(dynamic && { dynamic }),
      at: this.src.locate([...path, 'name']),
    };
  }

  private parseSteps(path: YamlPath, raw: unknown[], scope: Scope): Step[] {
    return raw.flatMap((step, i) => {
      const parsed = this.parseStep([...path, i], step, scope);
      return parsed ? [parsed] : [];
    });
  }

  private parseStep(path: YamlPath, raw: unknown, scope: Scope): Step | undefined {
    const keys = isRecord(raw) ? Object.keys(raw) : [];
    if (!isRecord(raw) || keys.length !== 1) {
      this.error(path, 'a step is a mapping with exactly one key: an op or one of ' + CONTROL_STEPS.join(', '));
      return undefined;
    }
    const [name] = keys;
    const body = raw[name] ?? {};
    const at = this.src.locate(path);
    const here = [...path, name];
    if (!isRecord(body)) {
      this.error(here, `'${name}' takes a mapping of named arguments`);
      return undefined;
    }
    switch (name) {
      case 'call':
        return this.parseCall(here, body, scope);
      case 'repeat':
        return this.parseLoop(here, body, scope, 'repeat');
      case 'parallel':
        return this.parseLoop(here, body, scope, 'parallel');
      case 'fork': {
        if (!this.only(here, body, ['steps'])) return undefined;
        return { kind: 'fork', steps: this.parseStepList([...here, 'steps'], body.steps, new Set(scope)), at };
      }
      case 'assert':
        return this.parseAssert(here, body, scope);
      case 'sleep': {
        if (!this.only(here, body, ['ms'])) return undefined;
        return { kind: 'sleep', ms: this.arg([...here, 'ms'], body.ms, scope), at };
      }
    }
    if (!isOpName(name)) {
      const hint = closest(name, [...OP_NAMES, ...CONTROL_STEPS]);
      this.error(here, `unknown op '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`, true);
      return undefined;
    }
    return this.parseOp(here, name, body, scope);
  }

  private parseOp(path: YamlPath, op: OpStep['op'], body: Record<string, unknown>, scope: Scope): OpStep | undefined {
    const { as, expect, require, ...rawArgs } = body;
    if (require !== undefined && typeof require !== 'boolean') this.error([...path, 'require'], 'require takes true or false');
    // Arguments holding $references (whole, or inside a list or mapping) are
    // checked when they are resolved; the literal ones now, against the op's schema.
    // An unknown argument stays among the literals, so the strict schema names it.
    const strict = argsSchema(op);
    const refKeys = Object.keys(rawArgs).filter((k) => Object.hasOwn(strict.shape, k) && refsIn(toArg(rawArgs[k])).length > 0);
    const literals = Object.fromEntries(Object.entries(rawArgs).filter(([k]) => !refKeys.includes(k)));
    const schema = strict.partial(Object.fromEntries(refKeys.map((k) => [k, true])) as Record<string, true>);
    const checked = schema.safeParse(literals);
    if (!checked.success) {
      for (const issue of checked.error.issues) this.zodIssue(path, issue, literals);
      return undefined;
    }
    const args = Object.fromEntries(Object.entries(rawArgs).map(([k, v]) => [k, this.arg([...path, k], v, scope)]));
    const expectation = expect === undefined ? undefined : this.parseExpect([...path, 'expect'], expect, scope);
    const binding = this.binding([...path, 'as'], as, scope);
    return {
      kind: 'op',
      op,
      args,
      ...(binding !== undefined && { as: binding }),
      ...(expectation !== undefined && { expect: expectation }),
      ...(require === true && { require: true }),
      at: this.src.locate(path.slice(0, -1)),
    };
  }

  private parseExpect(path: YamlPath, raw: unknown, scope: Scope): Expectation | undefined {
    if (!isRecord(raw)) {
      this.error(path, 'expect takes a mapping: {errno: NAME}, {may_fail: [NAME, ...]}, {eq: V}, {ne: V}, {bytes: {...}} or result fields');
      return undefined;
    }
    if ('errno' in raw) {
      if (Object.keys(raw).length !== 1) {
        this.error(path, 'expect: {errno} cannot be combined with other expectations');
        return undefined;
      }
      if (!isErrno(raw.errno)) {
        this.error([...path, 'errno'], `unknown errno '${String(raw.errno)}'`);
        return undefined;
      }
      return { errno: raw.errno };
    }
    if ('may_fail' in raw) {
      const errnos = raw.may_fail;
      if (Object.keys(raw).length !== 1) {
        this.error(path, 'expect: {may_fail} cannot be combined with other expectations');
        return undefined;
      }
      if (!Array.isArray(errnos) || errnos.length === 0) {
        this.error([...path, 'may_fail'], 'may_fail takes a list of errno names');
        return undefined;
      }
      const unknown = errnos.findIndex((e) => !isErrno(e));
      if (unknown >= 0) {
        this.error([...path, 'may_fail', unknown], `unknown errno '${String(errnos[unknown])}'`);
        return undefined;
      }
      return { may_fail: errnos as Errno[] };
    }
    const { eq, ne, bytes, ...fields } = raw;
    const out: Expectation = {};
    if ('eq' in raw) out.eq = this.arg([...path, 'eq'], eq, scope);
    if ('ne' in raw) out.ne = this.arg([...path, 'ne'], ne, scope);
    if (bytes !== undefined) {
      const b = z.strictObject({ byte: yamlArg(z.number().int().min(0).max(255).optional()), pattern: z.enum(['index8', 'index32']).optional() })
        .refine((v) => (v.byte === undefined) !== (v.pattern === undefined), 'give exactly one of byte, pattern')
        .safeParse(bytes);
      if (!b.success) {
        for (const issue of b.error.issues) this.zodIssue([...path, 'bytes'], issue);
        return undefined;
      }
      out.bytes = toArg(b.data) as BytesMatch;
    }
    if (Object.keys(fields).length > 0) {
      out.fields = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, this.arg([...path, k], v, scope)]));
    }
    return out;
  }

  private parseCall(path: YamlPath, body: Record<string, unknown>, scope: Scope): Step | undefined {
    const names = Object.keys(body);
    if (names.length !== 1) {
      this.error(path, 'call takes one procedure: call: {NAME: {ARG: VALUE, ...}}');
      return undefined;
    }
    const [procedure] = names;
    const proc = this.procedures[procedure];
    if (!proc) {
      const hint = closest(procedure, Object.keys(this.procedures));
      this.error([...path, procedure], `unknown procedure '${procedure}'${hint ? ` (did you mean '${hint}'?)` : ''}`, true);
      return undefined;
    }
    const rawArgs = body[procedure] ?? {};
    if (!isRecord(rawArgs)) {
      this.error([...path, procedure], 'procedure arguments are a mapping');
      return undefined;
    }
    for (const k of Object.keys(rawArgs)) {
      if (!proc.params.includes(k)) this.error([...path, procedure, k], `procedure '${procedure}' has no parameter '${k}'`, true);
    }
    for (const p of proc.params) {
      if (!(p in rawArgs)) this.error([...path, procedure], `missing argument '${p}' of procedure '${procedure}'`);
    }
    const args = Object.fromEntries(Object.entries(rawArgs).map(([k, v]) => [k, this.arg([...path, procedure, k], v, scope)]));
    return { kind: 'call', procedure, args, at: this.src.locate(path.slice(0, -1)) };
  }

  private parseLoop(path: YamlPath, body: Record<string, unknown>, scope: Scope, kind: 'repeat' | 'parallel'): Step | undefined {
    const allowed = kind === 'repeat' ? ['count', 'values', 'as', 'steps'] : ['threads', 'iterations', 'duration_ms', 'as', 'steps'];
    if (!this.only(path, body, allowed)) return undefined;
    const inner = new Set(scope);
    const as = this.binding([...path, 'as'], body.as, inner);
    const at = this.src.locate(path.slice(0, -1));
    const num = (k: string) => (body[k] === undefined ? undefined : this.arg([...path, k], body[k], scope));
    if (kind === 'repeat') {
      if ((body.count === undefined) === (body.values === undefined)) {
        this.error(path, 'repeat takes exactly one of count, values');
        return undefined;
      }
      if (body.values !== undefined && !Array.isArray(body.values)) {
        this.error([...path, 'values'], 'values is a list');
        return undefined;
      }
      const steps = this.parseStepList([...path, 'steps'], body.steps, inner);
      for (const name of inner) scope.add(name);
      return {
        kind: 'repeat',
        ...(body.count !== undefined && { count: num('count') }),
        ...(Array.isArray(body.values) && { values: body.values.map((v, i) => this.arg([...path, 'values', i], v, scope)) }),
        ...(as !== undefined && { as }),
        steps,
        at,
      };
    }
    if (body.threads === undefined) this.error(path, 'parallel needs threads');
    if (body.iterations !== undefined && body.duration_ms !== undefined) {
      this.error(path, 'parallel takes iterations or duration_ms, not both');
    }
    return {
      kind: 'parallel',
      threads: num('threads') ?? 1,
      ...(body.iterations !== undefined && { iterations: num('iterations') }),
      ...(body.duration_ms !== undefined && { duration_ms: num('duration_ms') }),
      ...(as !== undefined && { as }),
      steps: this.parseStepList([...path, 'steps'], body.steps, inner),
      at,
    };
  }

  private parseAssert(path: YamlPath, body: Record<string, unknown>, scope: Scope): AssertStep | undefined {
    const keys = Object.keys(body);
    const relation = keys[0] as AssertStep['relation'];
    if (keys.length !== 1 || !RELATIONS.includes(relation)) {
      this.error(path, `assert takes one relation: ${RELATIONS.join(', ')} (e.g. assert: {eq: [$a, $b]})`);
      return undefined;
    }
    const pair = body[relation];
    if (!Array.isArray(pair) || pair.length !== 2) {
      this.error([...path, relation], `${relation} takes a list of two values`);
      return undefined;
    }
    return {
      kind: 'assert',
      relation,
      left: this.arg([...path, relation, 0], pair[0], scope),
      right: this.arg([...path, relation, 1], pair[1], scope),
      at: this.src.locate(path.slice(0, -1)),
    };
  }

  private parseStepList(path: YamlPath, raw: unknown, scope: Scope): Step[] {
    if (!Array.isArray(raw)) {
      this.error(path, 'steps is a list of steps');
      return [];
    }
    return this.parseSteps(path, raw, scope);
  }

  /** Converts a YAML value to an Arg, reporting references to names not yet bound. */
  private arg(path: YamlPath, raw: unknown, scope: Scope): Arg {
    const arg = toArg(raw);
    for (const { ref, path: sub } of refsIn(arg)) {
      if (!scope.has(ref.ref)) {
        const hint = closest(ref.ref, [...scope]);
        this.error([...path, ...sub], `unknown reference '${formatRef(ref)}'${hint ? ` (did you mean '$${hint}'?)` : ''}`);
      }
    }
    return arg;
  }

  private binding(path: YamlPath, raw: unknown, scope: Scope): string | undefined {
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || !IDENT.test(raw)) {
      this.error(path, 'as: takes a name (letters, digits, _)');
      return undefined;
    }
    scope.add(raw);
    return raw;
  }

  private only(path: YamlPath, body: Record<string, unknown>, allowed: string[]): boolean {
    const extra = Object.keys(body).filter((k) => !allowed.includes(k));
    for (const k of extra) this.error([...path, k], `unknown key '${k}' (expected ${allowed.join(', ')})`, true);
    return extra.length === 0;
  }

  private checkUniqueNames(s: SuiteShape): void {
    const seen = new Set<string>();
    s.subtests.forEach((t, i) => {
      for (const name of t.dynamic ? t.dynamic.map((d) => `${t.name}@${d.name}`) : [t.name]) {
        if (seen.has(name)) this.error(['subtests', i, 'name'], `duplicate subtest '${name}'`);
        seen.add(name);
      }
    });
  }

  /** Reports a zod issue found in `data` (which sits at `base` in the file). */
  private zodIssue(base: YamlPath, issue: z.core.$ZodIssue, data?: unknown): void {
    const path = [...base, ...(issue.path as (string | number)[])];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) this.error([...path, key], `unknown key '${key}'`, true);
      return;
    }
    const where = issue.path.length > 0 ? `'${issue.path.join('.')}': ` : '';
    if (data !== undefined && valueAt(data, issue.path as (string | number)[]) === undefined) {
      this.error(path.slice(0, -1), `${where}missing (required)`);
      return;
    }
    this.error(path, where + issue.message);
  }

  private error(path: YamlPath, message: string, key = false): void {
    this.diagnostics.push(this.src.diagnostic(path, message, key));
  }
}

function toRequirement(r: z.infer<typeof requirementSchema>): Requirement {
  return typeof r === 'string' ? { driver: r } : (r as Requirement);
}

function valueAt(data: unknown, path: (string | number)[]): unknown {
  let v = data;
  for (const k of path) v = isRecord(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a suite; throws InputError listing every problem found. */
export function parseSuite(src: YamlSource): Suite {
  const parser = new SuiteParser(src);
  const suite = parser.parse();
  if (!suite || parser.diagnostics.length > 0) {
    throw new InputError(parser.diagnostics.length > 0 ? parser.diagnostics : [src.diagnostic([], 'invalid suite')]);
  }
  return suite;
}
