// POSTing to a Patchwork instance with an API token. The token goes into the
// Authorization header and nowhere else: every message that could carry it
// (a server's error body, a URL with credentials) is redacted first (http.ts).
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ReportInputError } from '../errors.ts';
import { patchworkUrls, shownUrl } from './api-url.ts';
import { describeAnswer, redact, redirectTarget, send } from './http.ts';

export type Destination = { patchId: number } | { series: number; revision: number };

/** The API endpoint under a Patchwork URL (the instance, `…/api` or `…/api/1.2`). */
export function endpoint(baseUrl: string, to: Destination): string {
  const { root, api } = patchworkUrls(baseUrl, '--post');
  return 'patchId' in to ? `${api}/patches/${to.patchId}/checks/` : `${root}/api/1.0/series/${to.series}/revisions/${to.revision}/test-results/`;
}

export function defaultConfigFile(env: Record<string, string | undefined>): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'primeci', 'patchwork.yaml');
}

/** PATCHWORK_TOKEN, else `token:` in the config file (YAML). */
export async function readToken(env: Record<string, string | undefined>, configFile = defaultConfigFile(env)): Promise<string> {
  if (env.PATCHWORK_TOKEN) return env.PATCHWORK_TOKEN;
  let text;
  try {
    text = await readFile(configFile, 'utf8');
  } catch {
    throw new ReportInputError(`no Patchwork token: set PATCHWORK_TOKEN or write "token: ..." in ${configFile}`);
  }
  let config: unknown;
  try {
    config = parse(text);
  } catch {
    // The YAML error would quote the file's text, token included.
    throw new ReportInputError(`${configFile}: not valid YAML`);
  }
  const token = (config as { token?: unknown } | null)?.token;
  if (typeof token !== 'string' || !token) throw new ReportInputError(`${configFile}: no "token" string`);
  return token;
}

export interface PostResult {
  status: number;
  url: string;
}

// What the statuses Patchwork answers mean for a POST of a check or result.
function hint(status: number): string {
  if (status === 401 || status === 403) return ": the token was refused, or its user does not maintain the patch's project";
  if (status === 404) return ': no such patch or series on this Patchwork (is the URL the instance or its /api root?)';
  return '';
}

/**
 * POSTs a JSON body. `created`: only 201 Created counts (a check); otherwise
 * any 2xx. A redirect is reported, not followed. Failures are
 * ReportInputErrors whose message never holds the token.
 */
export async function postJson(url: string, body: unknown, token: string, options: { created?: boolean } = {}): Promise<PostResult> {
  const target = shownUrl(url, '--post');
  const { response, what } = await send('POST', target, { token, json: body, accept: 'application/json' });
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new ReportInputError(
      redact(`${what}: HTTP ${response.status} ${response.statusText} to ${redirectTarget(response, target)}: not followed (a redirected POST is replayed as a GET and creates nothing); post to the URL it names`, token),
    );
  }
  if (!response.ok) throw new ReportInputError(`${what}: ${await describeAnswer(response, token)}${hint(response.status)}`);
  if (options.created && response.status !== 201) {
    await response.body?.cancel();
    throw new ReportInputError(`${what}: HTTP ${response.status} ${response.statusText}, where Patchwork answers 201 Created for a new check: nothing was created`);
  }
  await response.body?.cancel();
  return { status: response.status, url: target.href };
}
