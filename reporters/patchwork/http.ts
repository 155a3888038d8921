// One HTTP request to Patchwork and the words for its failure. A token goes
// into the Authorization header only: a server's answer is redacted before it
// is shortened, so no cut can leave a piece of the token behind.
import { ReportInputError } from '../errors.ts';

const REQUEST_TIMEOUT_MS = 30_000;
const MAX_BODY_SHOWN = 500;
// Any run of this many characters of the token is taken out, wherever it is.
const TOKEN_PIECE = 6;

/** The text with every piece of the token (six characters or more) as <token>. */
export function redact(text: string, token: string | undefined): string {
  if (!token) return text;
  const piece = Math.min(TOKEN_PIECE, token.length);
  const secret = new Uint8Array(text.length);
  for (let j = 0; j + piece <= token.length; j++) {
    const window = token.slice(j, j + piece);
    for (let at = text.indexOf(window); at >= 0; at = text.indexOf(window, at + 1)) secret.fill(1, at, at + piece);
  }
  let out = '';
  let kept = 0;
  for (let i = 0; i < text.length; i++) {
    if (!secret[i] || (i > 0 && secret[i - 1])) continue;
    let end = i;
    while (end < text.length && secret[end]) end++;
    out += `${text.slice(kept, i)}<token>`;
    kept = end;
  }
  return out + text.slice(kept);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" };

/** An HTML page's <title>, as Django's error pages name the exception. */
function pageTitle(html: string): string | null {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  return title === undefined ? null : title.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e: string) => ENTITIES[e]!).replace(/\s+/g, ' ').trim();
}

/**
 * "HTTP 500 Internal Server Error (page title: ...)" or "HTTP 403 Forbidden: BODY":
 * an HTML page by its title (Django's debug page quotes the request headers),
 * any other body redacted, then cut.
 */
export async function describeAnswer(response: Response, token: string | undefined): Promise<string> {
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const body = redact(await response.text().catch(() => ''), token).trim();
  if (!body) return status;
  const html = /html/i.test(response.headers.get('content-type') ?? '') || /^<(!doctype html|html)/i.test(body);
  if (html) {
    const title = pageTitle(body);
    return title ? `${status} (page title: ${JSON.stringify(title.slice(0, 200))})` : `${status} (an HTML page without a title)`;
  }
  return `${status}: ${body.length > MAX_BODY_SHOWN ? `${body.slice(0, MAX_BODY_SHOWN)}…` : body}`;
}

export interface Sent {
  response: Response;
  /** "METHOD URL", for messages. */
  what: string;
}

/**
 * Sends one request. POSTs never follow a redirect: fetch would replay a
 * 301/302 POST as a GET that answers 200 and creates nothing. Network failures
 * become ReportInputErrors naming the request.
 */
export async function send(method: 'GET' | 'POST', url: URL, init: { token?: string; json?: unknown; accept: string }): Promise<Sent> {
  const what = `${method} ${url.href}`;
  const headers: Record<string, string> = { Accept: init.accept };
  if (init.token !== undefined) headers.Authorization = `Token ${init.token}`;
  if (init.json !== undefined) headers['Content-Type'] = 'application/json';
  try {
    const response = await fetch(url, {
      method,
      headers,
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
      redirect: method === 'POST' ? 'manual' : 'follow',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { response, what };
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new ReportInputError(redact(`${what}: ${(error as Error).message}${cause ? ` (${cause})` : ''}`, init.token));
  }
}

/** A 3xx answer's target, resolved against the request. */
export function redirectTarget(response: Response, url: URL): string {
  const location = response.headers.get('location');
  if (!location) return 'no Location';
  try {
    return new URL(location, url).href;
  } catch {
    return JSON.stringify(location);
  }
}
