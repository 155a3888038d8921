// A stand-in Patchwork on 127.0.0.1 serving the kernel fixture series
// (test/fixtures/kernel/series) as series 9, in Patchwork 3.1's shapes, and
// taking checks that need the token. `override` answers first.
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Test } from 'tap';
import { fixture } from './native.ts';

export const TOKEN = '9b2e7c41d05af6e3b8c1d4f7a2e5b9c0d3f6a1e4';

export interface Posted {
  patchId: number;
  authorization: string | undefined;
  body: { state: string; context: string; description: string };
}

type Override = (method: string, path: string) => { status: number; body: string; type?: string } | undefined;

export async function standInPatchwork(t: Test, override: Override = () => undefined) {
  const dir = fixture('series');
  const files = readdirSync(dir).filter((f) => /^000[1-9]-/.test(f)).sort();
  const mails = files.map((f) => readFileSync(join(dir, f), 'utf8'));
  // Patchwork names a patch by its subject, folded header lines joined.
  const names = mails.map((m) => /^Subject: \[PATCH (\d+\/\d+)\] (.*)$/m.exec(m.replace(/\n[ \t]+/g, ' '))!).map((m) => `[${m[1]}] ${m[2]}`);
  const posted: Posted[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const send = (status: number, body: string, type = 'application/json') => res.writeHead(status, { 'Content-Type': type }).end(body);
      const special = override(req.method!, req.url!);
      if (special) return send(special.status, special.body, special.type);
      if (req.method === 'GET' && req.url === '/api/series/9/') {
        return send(200, JSON.stringify({
          id: 9, url: `${base}/api/series/9/`, name: "vgem, prime: a series for primeci's per-patch check", version: 1, total: mails.length, received_all: true,
          web_url: `${base}/project/dri-devel/list/?series=9`, mbox: `${base}/series/9/mbox/`, cover_letter: null,
          patches: names.map((name, i) => ({ id: 901 + i, name, mbox: `${base}/patch/${901 + i}/mbox/` })),
        }));
      }
      if (req.method === 'GET' && req.url === '/series/9/mbox/') return send(200, mails.join(''), 'text/plain');
      const check = /^\/api\/patches\/(\d+)\/checks\/$/.exec(req.url!);
      if (check && req.method === 'POST') {
        if (req.headers.authorization !== `Token ${TOKEN}`) return send(403, '{"detail":"Invalid token."}');
        posted.push({ patchId: Number(check[1]), authorization: req.headers.authorization, body: JSON.parse(data) });
        return send(201, JSON.stringify({ id: posted.length, ...JSON.parse(data) }));
      }
      send(404, '{"detail":"Not found."}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posted };
}

/** The first 6-character piece of the token in `text`, if any. */
export function tokenLeak(text: string): string | undefined {
  for (let i = 0; i + 6 <= TOKEN.length; i++) if (text.includes(TOKEN.slice(i, i + 6))) return TOKEN.slice(i, i + 6);
  return undefined;
}
