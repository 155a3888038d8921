// Runs a CI pipeline file's commands here, in order, as its CI system would:
// enough of GitLab CI's and GitHub Actions' semantics for docs/ci/ (stages,
// `parallel:`, `extends`, `rules: if`; jobs with `needs`, matrices with
// `include`, step `if`, `${{ }}` expressions, artifacts). Anything else in a
// pipeline is refused, so a template cannot drift into steps no test runs.
//
// What stands in for the CI machine: the workspace is a fresh folder with the
// checkout's config/ (the templates' relative paths), `npm ci` is already done
// (node_modules is shared), `npx primeci` is this checkout's bin/primeci.js,
// and checkout / setup-node actions do nothing.
import { execa } from 'execa';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';

const root = resolve(new URL('../../', import.meta.url).pathname);
const PRIMECI = `node ${join(root, 'bin/primeci.js')}`;

export interface JobRun {
  /** `shard (base, 1)`, `base 2/3`, `merge`… */
  name: string;
  /** undefined: skipped by its rules or condition. */
  exitCode?: number;
  log: string;
}

// Every workspace and artifact store of the runs, removed by removeScratch().
const scratch = mkdtempSync(join(tmpdir(), 'primeci-pipelines-'));

export function removeScratch(): void {
  rmSync(scratch, { recursive: true, force: true });
}

function newWorkspace(): string {
  const dir = mkdtempSync(join(scratch, 'workspace-'));
  symlinkSync(join(root, 'config'), join(dir, 'config'));
  return dir;
}

/** A script line as run here; `npm ci` is done already. */
function localCommand(line: string): string | undefined {
  if (/^npm ci\b/.test(line.trim())) return undefined;
  const npx = /\bnpx (\S+)/.exec(line);
  if (npx && npx[1] !== 'primeci') throw new Error(`pipeline runs npx ${npx[1]}: only primeci is provided here`);
  return line.replace(/\bnpx primeci\b/g, PRIMECI);
}

async function shell(lines: string[], cwd: string, env: Record<string, string>): Promise<{ exitCode: number; log: string }> {
  const script = lines.map(localCommand).filter((l): l is string => l !== undefined).join('\n');
  const r = await execa('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd,
    env,
    reject: false,
    all: true,
  });
  return { exitCode: r.exitCode ?? 1, log: `$ ${script}\n${r.all ?? ''}` };
}

function refuseUnknown(where: string, object: Record<string, unknown>, known: string[]): void {
  const unknown = Object.keys(object).filter((k) => !known.includes(k));
  if (unknown.length) throw new Error(`${where}: this test does not interpret ${unknown.join(', ')}`);
}

const asList = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

// ---------------------------------------------------------------- GitLab CI

type GitlabJob = Record<string, unknown> & { variables?: Record<string, string> };
const GITLAB_GLOBAL = ['stages', 'variables', 'default'];
const GITLAB_JOB = ['stage', 'extends', 'parallel', 'variables', 'script', 'before_script', 'artifacts', 'rules', 'image'];

function resolveExtends(doc: Record<string, GitlabJob>, name: string): GitlabJob {
  const job = doc[name]!;
  const bases = asList(job.extends).map((base) => resolveExtends(doc, base));
  const merged: GitlabJob = Object.assign({}, ...bases, job);
  merged.variables = Object.assign({}, ...bases.map((b) => b.variables), job.variables);
  delete merged.extends;
  return merged;
}

/** `rules: - if: $VAR [when: always]`: runs when VAR is set and not empty. */
function gitlabRule(job: GitlabJob, env: Record<string, string>): 'skip' | 'on_success' | 'always' {
  if (job.rules === undefined) return 'on_success';
  for (const rule of job.rules as Record<string, string>[]) {
    refuseUnknown('rules', rule, ['if', 'when']);
    const m = /^\$(\w+)$/.exec(rule.if ?? '');
    if (!m) throw new Error(`rules if: ${rule.if}: only "$VARIABLE" is interpreted`);
    if (env[m[1]!]) return rule.when === 'always' ? 'always' : 'on_success';
  }
  return 'skip';
}

/** `artifacts: paths:` (files and folders, no globs) kept after a job, when it succeeded or `when: always`. */
function keepGitlabArtifacts(job: GitlabJob, workspace: string, store: string, succeeded: boolean): void {
  if (job.artifacts === undefined) return;
  const artifacts = job.artifacts as { when?: string; paths?: string[]; reports?: Record<string, string> };
  refuseUnknown('artifacts', artifacts, ['when', 'paths', 'reports']);
  if (!succeeded && artifacts.when !== 'always') return;
  for (const path of artifacts.paths ?? []) {
    if (path.includes('*')) throw new Error(`artifacts path ${path}: globs are not interpreted here`);
    const from = join(workspace, path);
    if (existsSync(from)) cpSync(from, join(store, path), { recursive: true });
  }
}

export async function runGitlab(file: string, ci: Record<string, string>): Promise<{ workspaces: Map<string, string>; jobs: JobRun[] }> {
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, GitlabJob>;
  const store = mkdtempSync(join(scratch, 'artifacts-'));
  const global = Object.fromEntries(Object.entries(doc).filter(([k]) => GITLAB_GLOBAL.includes(k)));
  const defaults = (global.default ?? {}) as GitlabJob;
  refuseUnknown('default', defaults, ['image', 'before_script']);
  const names = Object.keys(doc).filter((k) => !GITLAB_GLOBAL.includes(k) && !k.startsWith('.'));
  const jobs = names.map((name) => ({ name, job: resolveExtends(doc, name) }));
  for (const { name, job } of jobs) refuseUnknown(`job ${name}`, job, GITLAB_JOB);
  const runs: JobRun[] = [];
  const workspaces = new Map<string, string>();
  // Each job starts from a fresh workspace with the artifacts of every earlier stage.
  const earlier: string[] = [];
  let failed = false;
  for (const stage of global.stages as unknown as string[]) {
    const instances = jobs
      .filter(({ job }) => (job.stage ?? 'test') === stage)
      .flatMap(({ name, job }) => {
        const variables = Object.entries({ ...global.variables, ...job.variables }).map(([k, v]) => [k, String(v)]);
        const env = { ...process.env, ...Object.fromEntries(variables), ...ci } as Record<string, string>;
        if (typeof job.parallel === 'object') throw new Error(`job ${name}: only a number is interpreted for parallel`);
        const count = (job.parallel as number | undefined) ?? 0;
        if (!count) return [{ name, job, env }];
        return Array.from({ length: count }, (_, i) => ({
          name: `${name} ${i + 1}/${count}`,
          job,
          env: { ...env, CI_NODE_INDEX: String(i + 1), CI_NODE_TOTAL: String(count) },
        }));
      });
    const inputs = [...earlier];
    const results = await Promise.all(
      instances.map(async ({ name, job, env }): Promise<JobRun> => {
        const when = gitlabRule(job, env);
        if (when === 'skip' || (failed && when !== 'always')) return { name, log: 'skipped' };
        const workspace = newWorkspace();
        for (const artifacts of inputs) cpSync(artifacts, workspace, { recursive: true });
        const lines = [...asList(job.before_script ?? defaults.before_script), ...asList(job.script)];
        const run = await shell(lines, workspace, env);
        const kept = join(store, name.replace(/\W+/g, '-'));
        keepGitlabArtifacts(job, workspace, kept, run.exitCode === 0);
        if (existsSync(kept)) earlier.push(kept);
        workspaces.set(name, workspace);
        return { name, ...run };
      }),
    );
    runs.push(...results);
    failed ||= results.some((r) => r.exitCode !== undefined && r.exitCode !== 0);
  }
  return { workspaces, jobs: runs };
}

// ----------------------------------------------------------- GitHub Actions

type Step = Record<string, unknown> & { uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string>; if?: string };
type Context = Record<string, Record<string, string>>;

/** `${{ matrix.x }}`, `env.X`, `vars.X`, `secrets.X`, `inputs.x`. */
function lookup(expression: string, context: Context): string {
  const m = /^(\w+)\.([\w-]+)$/.exec(expression.trim());
  if (!m || !(m[1]! in context)) throw new Error(`expression \${{ ${expression} }}: not interpreted here`);
  return context[m[1]!]![m[2]!] ?? '';
}

function substitute(text: string, context: Context): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, expression: string) => lookup(expression, context));
}

/** Step `if`: `always()`, `REF != ''`, `REF == ''`; without always() only after success. */
function stepRuns(condition: string | undefined, context: Context, failed: boolean): boolean {
  if (condition === undefined) return !failed;
  const expression = condition.replace(/^\$\{\{(.*)\}\}$/, '$1').trim();
  if (expression === 'always()') return true;
  const m = /^(\S+) (!=|==) ''$/.exec(expression);
  if (!m) throw new Error(`if: ${condition}: not interpreted here`);
  return !failed && (lookup(m[1]!, context) !== '') === (m[2] === '!=');
}

/** GitHub's matrix: the product of the lists, each `include` entry added to the combinations it matches. */
function expandMatrix(matrix: Record<string, unknown> | undefined): Record<string, string>[] {
  if (!matrix) return [{}];
  const keys = Object.keys(matrix).filter((k) => k !== 'include');
  const odd = keys.filter((k) => k === 'exclude' || !Array.isArray(matrix[k]));
  if (odd.length) throw new Error(`matrix: this test does not interpret ${odd.join(', ')}`);
  let combos: Record<string, string>[] = [{}];
  for (const key of keys) combos = combos.flatMap((c) => (matrix[key] as unknown[]).map((v) => ({ ...c, [key]: String(v) })));
  for (const entry of (matrix.include ?? []) as Record<string, unknown>[]) {
    const matching = combos.filter((c) => keys.every((k) => !(k in entry) || String(entry[k]) === c[k]));
    if (!matching.length) throw new Error(`matrix include ${JSON.stringify(entry)} matches no combination`);
    for (const c of matching) for (const [k, v] of Object.entries(entry)) if (!keys.includes(k)) c[k] = String(v);
  }
  return combos;
}

function commonDir(paths: string[]): string {
  const parts = paths.map((p) => p.split(sep));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => p.length > i + 1 && p[i] === parts[0]![i]); i++) common.push(parts[0]![i]!);
  return common.join(sep) || sep;
}

/** actions/upload-artifact and download-artifact (v4) over a local store. */
function artifactStep(uses: string, args: Record<string, string>, workspace: string, store: string): void {
  if (uses === 'actions/upload-artifact@v4') {
    refuseUnknown(uses, args, ['name', 'path']);
    const paths = args.path!.split('\n').map((p) => p.trim()).filter(Boolean).map((p) => resolve(workspace, p));
    const present = paths.filter((p) => existsSync(p));
    if (!present.length) return; // GitHub warns and uploads nothing
    const base = present.length === 1 ? present[0]! : commonDir(present);
    for (const p of present) cpSync(p, join(store, args.name!, relative(base, p)), { recursive: true });
    return;
  }
  refuseUnknown(uses, args, ['name', 'pattern', 'path']);
  const glob = new RegExp(`^${(args.pattern ?? args.name!).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  const names = existsSync(store) ? readdirSync(store).filter((n) => glob.test(n)) : [];
  for (const name of names) {
    // By name: into path; by pattern: each artifact into path/NAME.
    cpSync(join(store, name), join(workspace, args.path ?? '.', args.pattern ? name : ''), { recursive: true });
  }
}

export async function runGithub(
  file: string,
  given: {
    vars: Record<string, string>;
    secrets: Record<string, string>;
    inputs: Record<string, string>;
    github: Record<string, string>;
    /** Replaces values of the workflow's top-level env (only names it has). */
    env?: Record<string, string>;
  },
): Promise<{ jobs: JobRun[]; summaries: Map<string, string>; workspaces: Map<string, string> }> {
  const doc = parse(readFileSync(file, 'utf8')) as { env?: Record<string, string>; jobs: Record<string, Record<string, unknown>> };
  const { env: overrides = {}, ...contexts } = given;
  for (const name of Object.keys(overrides)) if (!(name in (doc.env ?? {}))) throw new Error(`the workflow's env has no ${name}`);
  const workflowEnv = Object.fromEntries(Object.entries({ ...doc.env, ...overrides }).map(([k, v]) => [k, String(v)]));
  const store = mkdtempSync(join(scratch, 'artifacts-'));
  const runs: JobRun[] = [];
  const summaries = new Map<string, string>();
  const workspaces = new Map<string, string>();
  const done = new Map<string, boolean>();
  const pending = Object.keys(doc.jobs);
  while (pending.length) {
    const ready = pending.filter((id) => asList(doc.jobs[id]!.needs).every((n) => done.has(n)));
    if (!ready.length) throw new Error(`jobs ${pending.join(', ')} need jobs that never run`);
    await Promise.all(
      ready.map(async (id) => {
        pending.splice(pending.indexOf(id), 1);
        const job = doc.jobs[id]!;
        refuseUnknown(`job ${id}`, job, ['runs-on', 'needs', 'strategy', 'env', 'steps']);
        if (!asList(job.needs).every((n) => done.get(n))) {
          runs.push({ name: id, log: 'skipped: a job it needs failed' });
          done.set(id, false);
          return;
        }
        const strategy = (job.strategy ?? {}) as { matrix?: Record<string, unknown> };
        const combos = expandMatrix(strategy.matrix);
        const outcomes = await Promise.all(
          combos.map(async (matrix) => {
            const name = Object.keys(matrix).length ? `${id} (${Object.values(matrix).join(', ')})` : id;
            const run = await runGithubJob(name, job.steps as Step[], { ...contexts, matrix, env: workflowEnv }, (job.env ?? {}) as Record<string, string>, store);
            summaries.set(name, run.summary);
            workspaces.set(name, run.workspace);
            runs.push({ name, exitCode: run.exitCode, log: run.log });
            return run.exitCode === 0;
          }),
        );
        done.set(id, outcomes.every(Boolean));
      }),
    );
  }
  return { jobs: runs, summaries, workspaces };
}

async function runGithubJob(name: string, steps: Step[], context: Context, jobEnv: Record<string, string>, store: string) {
  const workspace = newWorkspace();
  const evaluate = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).map(([k, v]) => [k, substitute(String(v), context)]));
  context = { ...context, env: { ...context.env, ...evaluate(jobEnv) } };
  let failed = false;
  let log = '';
  let summary = '';
  for (const [i, step] of steps.entries()) {
    refuseUnknown(`${name} step ${i + 1}`, step, ['name', 'uses', 'with', 'run', 'env', 'if', 'id']);
    // A step's `if` sees the job's env, not its own.
    if (!stepRuns(step.if, context, failed)) continue;
    const stepContext = { ...context, env: { ...context.env, ...evaluate(step.env ?? {}) } };
    if (step.uses) {
      const args = evaluate(step.with ?? {});
      if (/^actions\/(checkout|setup-node)@v4$/.test(step.uses)) continue;
      if (!/^actions\/(upload|download)-artifact@v4$/.test(step.uses)) throw new Error(`${name}: uses ${step.uses}: not interpreted here`);
      artifactStep(step.uses, args, workspace, store);
      continue;
    }
    // Each step has its own summary file; GitHub shows them in order.
    const summaryFile = join(workspace, '..', `${workspace.split(sep).pop()}-summary-${i}.md`);
    writeFileSync(summaryFile, '');
    const env = { ...process.env, ...stepContext.env, ...githubVariables(context.github!), GITHUB_STEP_SUMMARY: summaryFile } as Record<string, string>;
    const r = await shell(substitute(step.run!, stepContext).split('\n'), workspace, env);
    log += r.log;
    summary += readFileSync(summaryFile, 'utf8');
    if (r.exitCode !== 0) failed = true;
  }
  return { exitCode: failed ? 1 : 0, log, summary, workspace };
}

function githubVariables(github: Record<string, string>): Record<string, string> {
  return { GITHUB_ACTIONS: 'true', ...Object.fromEntries(Object.entries(github).map(([k, v]) => [`GITHUB_${k.toUpperCase()}`, v])) };
}
