// primeci patchwork DIR_OR_COMPARISON --context NAME: the Patchwork check for
// a run or a comparison, printed, or POSTed with --post.
import { ReportInputError } from '../../reporters/errors.ts';
import { checkPayload, testResultForm, type Subject } from '../../reporters/patchwork/payload.ts';
import { endpoint, postJson, readToken, type Destination } from '../../reporters/patchwork/post.ts';
import { readSubject } from '../../reporters/patchwork/subject.ts';
import { integer, parse } from '../options.ts';
import { UsageError } from '../usage.ts';

const OPTIONS = {
  context: { type: 'string' },
  'target-url': { type: 'string' },
  pending: { type: 'boolean' },
  post: { type: 'string' },
  'patch-id': { type: 'string' },
  series: { type: 'string' },
  revision: { type: 'string' },
  config: { type: 'string' },
} as const;

const USAGE = `usage: primeci patchwork DIR_OR_COMPARISON --context NAME [--target-url URL]
       primeci patchwork --pending --context NAME [--target-url URL]
  and to send it: --post URL --patch-id N              (upstream checks API)
              or: --post URL --series N --revision V   (freedesktop test results)
  URL: the Patchwork instance, its /api or /api/1.2 root
  token: PATCHWORK_TOKEN, or "token:" in --config FILE (default ~/.config/primeci/patchwork.yaml)`;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

function destination(values: Values): Destination | undefined {
  if (values['patch-id'] !== undefined && values.series !== undefined) throw new UsageError('primeci patchwork: give --patch-id or --series, not both');
  if (values['patch-id'] !== undefined) return { patchId: integer('--patch-id', values['patch-id'], 0, 1) };
  if (values.series !== undefined) {
    if (values.revision === undefined) throw new UsageError('primeci patchwork: --series needs --revision V');
    return { series: integer('--series', values.series, 0, 1), revision: integer('--revision', values.revision, 0, 1) };
  }
  if (values.post) throw new UsageError(`primeci patchwork: --post needs --patch-id N or --series N --revision V\n${USAGE}`);
  return undefined;
}

export default async function patchwork(argv: string[]): Promise<number> {
  const { values, positionals } = parse('patchwork', argv, OPTIONS);
  if (!values.context) throw new UsageError(`primeci patchwork: --context is required\n${USAGE}`);
  if (positionals.length !== (values.pending ? 0 : 1)) throw new UsageError(USAGE);
  const to = destination(values);
  try {
    const subject: Subject = values.pending ? { pending: true } : await readSubject(positionals[0]!);
    const options = { context: values.context, targetUrl: values['target-url'] };
    const payload = to && 'series' in to ? testResultForm(subject, options) : checkPayload(subject, options);
    if (!values.post || !to) {
      process.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
      return 0;
    }
    const token = await readToken(process.env, values.config);
    const posted = await postJson(endpoint(values.post, to), payload, token, { created: 'patchId' in to });
    process.stdout.write(`posted ${payload.state} "${values.context}" to ${posted.url} (HTTP ${posted.status})\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ReportInputError)) throw error;
    process.stderr.write(`primeci patchwork: ${error.message}\n`);
    return 2;
  }
}
