// POSTing to a Patchwork instance with an API token. The token goes into the
// Authorization header and nowhere else: every message that could carry it
// (a server's error body, a URL with credentials) is redacted first.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ReportInputError } from '../errors.ts';

export type Destination = { patchId: number } | { series: number; revision: number };

const REQUEST_TIMEOUT_MS = 30_000;

/** The API endpoint under a Patchwork instance's base URL. */
export function endpoint(baseUrl: string, to: Destination): string {
  const base = baseUrl.replace(/\/+$/, '');
  return 'patchId' in to
    ? `${base}/api/patches/${to.patchId}/checks/`
    : `${base}/api/1.0/series/${to.series}/revisions/${to.revision}/test-results/`;
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

function redact(text: string, token: string): string {
  return text.split(token).join('<token>');
}

/** The URL as it may be shown; user:password in it is refused, not sent. */
function checkedUrl(url: string): string {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new ReportInputError(`--post ${JSON.stringify(url)}: not a URL`);
  }
  if (parsed.username || parsed.password) {
    parsed.username = parsed.password = '***';
    throw new ReportInputError(`${parsed.href}: credentials in the URL are not sent; use PATCHWORK_TOKEN or the config file`);
  }
  return parsed.href;
}

export interface PostResult {
  status: number;
  url: string;
}

/** POSTs a JSON body; failures are ReportInputErrors whose message never holds the token. */
export async function postJson(url: string, body: unknown, token: string): Promise<PostResult> {
  const shown = checkedUrl(url);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Token ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new ReportInputError(redact(`POST ${shown}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`, token));
  }
  if (!response.ok) {
    const text = (await response.text().catch(() => '')).slice(0, 500).trim();
    throw new ReportInputError(redact(`POST ${shown}: HTTP ${response.status} ${response.statusText}${text ? `: ${text}` : ''}`, token));
  }
  return { status: response.status, url: shown };
}
