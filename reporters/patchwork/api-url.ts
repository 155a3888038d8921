// Where a Patchwork instance's REST API is, from the URL a user gives: the
// instance root (https://pw.example), its API root (https://pw.example/api),
// or a versioned API root (https://pw.example/api/1.2) as git-pw's
// PW_SERVER and pwclient's `url =` are written.
import { ReportInputError } from '../errors.ts';

export interface PatchworkUrls {
  /** The instance root: web pages, and the freedesktop fork's /api/1.0. */
  root: string;
  /** The API root without a trailing slash, with the version if one was given. */
  api: string;
}

/**
 * The URL as it may be shown, checked: http(s) only, and user:password in it
 * is refused, not sent. `flag` names where the URL came from.
 */
export function shownUrl(url: string, flag: string): URL {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new ReportInputError(`${flag} ${JSON.stringify(url)}: not a URL`);
  }
  if (parsed.username || parsed.password) {
    parsed.username = parsed.password = '***';
    throw new ReportInputError(`${parsed.href}: credentials in the URL are not sent; use PATCHWORK_TOKEN or the config file`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ReportInputError(`${flag} ${parsed.href}: not an http(s) URL`);
  return parsed;
}

export function patchworkUrls(url: string, flag: string): PatchworkUrls {
  const parsed = shownUrl(url, flag);
  const path = parsed.pathname.replace(/\/+$/, '');
  const api = /^(.*?)\/api(?:\/\d+\.\d+)?$/.exec(path);
  const root = `${parsed.origin}${api ? api[1] : path}`;
  return { root, api: api ? `${parsed.origin}${path}` : `${root}/api` };
}
