// A series as Patchwork has it: GET /api/series/N/ for its name, version and
// patch ids, then its mbox (and its cover letter's), parsed as a local series
// would be, each patch paired with its Patchwork id.
//
// GETs carry no token (Patchwork's read API is public) and follow redirects:
// nothing secret can follow them to another host, and a GET replayed at the
// new address loses nothing (http→https and added-slash redirects are common).
import { z } from 'zod';
import { parseSeries, type CoverLetter, type SeriesPatch } from '../../kernel/series.ts';
import { describeIssues, ReportInputError } from '../errors.ts';
import { patchworkUrls, shownUrl } from './api-url.ts';
import { describeAnswer, send } from './http.ts';

export interface PatchworkPatch extends SeriesPatch {
  patchId: number;
}

export interface PatchworkSeries {
  id: number;
  name: string;
  version: number;
  /** The series' web page (its API URL on servers older than API 1.1). */
  url: string;
  cover: CoverLetter | null;
  patches: PatchworkPatch[];
}

// patchwork/api/series.py (SeriesSerializer) and embedded.py; fields this uses.
const Submission = z.object({ id: z.number().int(), name: z.string(), mbox: z.string(), msgid: z.string().optional() });
const SeriesJson = z.object({
  id: z.number().int(),
  url: z.string(),
  web_url: z.string().optional(),
  name: z.string().nullable(),
  version: z.number().int(),
  total: z.number().int().optional(),
  received_total: z.number().int().optional(),
  received_all: z.boolean().optional(),
  mbox: z.string(),
  cover_letter: Submission.nullable(),
  patches: z.array(Submission),
});

async function get(url: string, accept: string, hint404: string): Promise<string> {
  const { response, what } = await send('GET', shownUrl(url, 'Patchwork URL'), { accept });
  const where = response.redirected ? `${what} (redirected to ${response.url})` : what;
  if (!response.ok) throw new ReportInputError(`${where}: ${await describeAnswer(response, undefined)}${response.status === 404 ? `: ${hint404}` : ''}`);
  return response.text();
}

/** Patchwork names a patch "[v2,2/3] subject" (parser.py clean_subject): the subject alone. */
const bare = (name: string) => name.replace(/^(\s*\[[^\]]*\])+/, '').replace(/\s+/g, ' ').trim();
const bareMsgid = (msgid: string) => msgid.replace(/^<|>$/g, '');

export async function fetchSeries(url: string, id: number): Promise<PatchworkSeries> {
  const seriesUrl = `${patchworkUrls(url, 'Patchwork URL').api}/series/${id}/`;
  const text = await get(seriesUrl, 'application/json', `no series ${id} on this Patchwork (is the URL the instance or its /api root?)`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ReportInputError(`GET ${seriesUrl}: not JSON; is ${url} a Patchwork instance?`);
  }
  const parsed = SeriesJson.safeParse(json);
  if (!parsed.success) throw new ReportInputError(`GET ${seriesUrl}: not a Patchwork series\n${describeIssues(parsed.error.issues)}`);
  const series = parsed.data;
  if (series.received_all === false) {
    throw new ReportInputError(`${seriesUrl}: series ${id} is incomplete on Patchwork (${series.received_total ?? '?'} of ${series.total ?? '?'} patches received)`);
  }
  if (!series.patches.length) throw new ReportInputError(`${seriesUrl}: series ${id} has no patches`);

  const inputs = [];
  if (series.cover_letter) inputs.push({ name: series.cover_letter.mbox, text: await get(series.cover_letter.mbox, 'application/mbox', 'the cover letter is gone') });
  inputs.push({ name: series.mbox, text: await get(series.mbox, 'application/mbox', 'the series mbox is gone') });
  const local = await parseSeries(inputs);
  if (local.patches.length !== series.patches.length) {
    throw new ReportInputError(`${series.mbox}: ${local.patches.length} patches, where ${seriesUrl} lists ${series.patches.length}`);
  }

  // The series mbox is in patch order; the API's list is in mail date order
  // (Patch.Meta.ordering), so a patch is found by its Message-ID when it has one.
  const patches = local.patches.map((patch, k) => {
    const byMsgid = patch.messageId ? series.patches.find((p) => p.msgid !== undefined && bareMsgid(p.msgid) === bareMsgid(patch.messageId!)) : undefined;
    const listed = byMsgid ?? series.patches[k]!;
    if (bare(listed.name) !== patch.subject) {
      throw new ReportInputError(`${seriesUrl}: patch ${listed.id} is ${JSON.stringify(listed.name)}, but patch ${patch.index}/${patch.total} of ${series.mbox} is ${JSON.stringify(patch.fullSubject)}`);
    }
    return { ...patch, patchId: listed.id };
  });
  return {
    id: series.id,
    name: series.name ?? local.name,
    version: series.version,
    url: series.web_url ?? series.url,
    cover: local.cover,
    patches,
  };
}
