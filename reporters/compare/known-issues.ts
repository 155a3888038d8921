// Known issues, as CI Bug Log keeps them: each issue has bug links and
// filters; a filter matches a result when every criterion it sets matches.
// Results matching an `untrusted` filter are suppressed from the verdict.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { STATUSES, type Status, type TestResult } from '../../runner/results/igt.ts';
import { ReportInputError } from '../errors.ts';

/** A bad known-issues file; the message carries file:line:col. */
export class KnownIssuesError extends ReportInputError {
  override name = 'KnownIssuesError';
}

function regexSource(flags: string) {
  return z.string().superRefine((source, ctx) => {
    try {
      new RegExp(source, flags);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(error as Error).message}` });
    }
  });
}

const filterSchema = z.strictObject({
  tests: z.array(regexSource('i')).optional(),
  hosts: z.array(regexSource('i')).optional(),
  statuses: z.array(z.enum(STATUSES)).optional(),
  out: regexSource('m').optional(),
  err: regexSource('m').optional(),
  dmesg: regexSource('m').optional(),
});

const fileSchema = z.strictObject({
  issues: z
    .array(
      z.strictObject({
        title: z.string(),
        /** tag → URL, e.g. `drm#1234: https://...`; printed as `[drm#1234]`. */
        bugs: z.record(z.string(), z.url()).refine((bugs) => Object.keys(bugs).length > 0, 'an issue needs at least one bug link'),
        filters: z.array(filterSchema).min(1),
      }),
    )
    .default([]),
  untrusted: z.array(filterSchema).default([]),
});

type FilterSpec = z.infer<typeof filterSchema>;

export interface ResultFilter {
  /** Full-match, case-insensitive regexes on `igt@…` names, as igt_runner's -t. */
  tests?: RegExp[];
  hosts?: RegExp[];
  statuses?: Status[];
  out?: RegExp;
  err?: RegExp;
  dmesg?: RegExp;
}

export interface KnownIssue {
  title: string;
  bugs: Record<string, string>;
  filters: ResultFilter[];
}

export interface KnownIssues {
  issues: KnownIssue[];
  untrusted: ResultFilter[];
}

/** One result on one host, as a filter sees it. */
export interface ResultSubject {
  test: string;
  host: string;
  result: TestResult;
}

export const NO_KNOWN_ISSUES: KnownIssues = { issues: [], untrusted: [] };

const fullMatch = (sources: string[] | undefined) => sources?.map((s) => new RegExp(`^(?:${s})$`, 'i'));
const search = (source: string | undefined) => (source === undefined ? undefined : new RegExp(source, 'm'));

function compileFilter(spec: FilterSpec): ResultFilter {
  return {
    tests: fullMatch(spec.tests),
    hosts: fullMatch(spec.hosts),
    statuses: spec.statuses,
    out: search(spec.out),
    err: search(spec.err),
    dmesg: search(spec.dmesg),
  };
}

function position(doc: Document, counter: LineCounter, path: PropertyKey[], key?: string): string {
  // Walk up to the deepest node the path reaches (a missing key points at its parent).
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: number[]; items?: unknown[] } | undefined;
    if (!node?.range) continue;
    const keyNode = key && depth === path.length ? findKey(node, key) : undefined;
    const { line, col } = counter.linePos((keyNode ?? node).range![0]!);
    return `${line}:${col}`;
  }
  return '1:1';
}

function findKey(node: { items?: unknown[] }, key: string): { range?: number[] } | undefined {
  const pair = node.items?.find((item) => (item as { key?: { value?: unknown } }).key?.value === key) as
    | { key: { range?: number[] } }
    | undefined;
  return pair?.key.range ? pair.key : undefined;
}

/** Parses and validates a known-issues YAML text; `file` is only used in messages. */
export function parseKnownIssues(text: string, file: string): KnownIssues {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const { line, col } = counter.linePos(syntax.pos[0]);
    throw new KnownIssuesError(`${file}:${line}:${col}: ${syntax.message.split('\n')[0]}`);
  }
  const parsed = fileSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const messages = parsed.error.issues.slice(0, 5).map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const where = position(doc, counter, issue.path, keys[0]);
      const what = keys.length ? `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
      return `${file}:${where}: ${issue.path.join('.') || '(top level)'}: ${what}`;
    });
    throw new KnownIssuesError(messages.join('\n'));
  }
  return {
    issues: parsed.data.issues.map((issue) => ({ ...issue, filters: issue.filters.map(compileFilter) })),
    untrusted: parsed.data.untrusted.map(compileFilter),
  };
}

export async function loadKnownIssues(file: string): Promise<KnownIssues> {
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new KnownIssuesError(`${file}: cannot read known issues: ${(error as Error).message}`);
  }
  return parseKnownIssues(text, file);
}

export function filterMatches(filter: ResultFilter, { test, host, result }: ResultSubject): boolean {
  return (
    (!filter.tests?.length || filter.tests.some((re) => re.test(test))) &&
    (!filter.hosts?.length || filter.hosts.some((re) => re.test(host))) &&
    (!filter.statuses?.length || filter.statuses.includes(result.result)) &&
    (!filter.out || filter.out.test(result.out)) &&
    (!filter.err || filter.err.test(result.err)) &&
    (!filter.dmesg || filter.dmesg.test(result.dmesg))
  );
}

/** The issues one of whose filters matches the result. */
export function matchingIssues(known: KnownIssues, subject: ResultSubject): KnownIssue[] {
  return known.issues.filter((issue) => issue.filters.some((filter) => filterMatches(filter, subject)));
}

export function isUntrusted(known: KnownIssues, subject: ResultSubject): boolean {
  return known.untrusted.some((filter) => filterMatches(filter, subject));
}
