// Patchwork payloads and POSTs against a local HTTP server on 127.0.0.1; the
// token must reach the Authorization header and nothing else.
import { execa } from 'execa';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { compareResultDirs } from '../../reporters/compare/compare-dirs.ts';
import { loadKnownIssues } from '../../reporters/compare/known-issues.ts';
import { checkPayload, testResultForm } from '../../reporters/patchwork/payload.ts';
import { endpoint, postJson, readToken } from '../../reporters/patchwork/post.ts';
import { readResults } from '../../reporters/results-reader.ts';
import { main } from '../../runner/cli.ts';

const root = new URL('../../', import.meta.url).pathname;
const fixtures = join(root, 'test', 'fixtures', 'results');
const TOKEN = 'pw-secret-0123456789abcdef';

interface Received {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

/** A stand-in Patchwork: records requests, answers with the given status and body. */
async function fakePatchwork(t: Test, reply: (req: Received) => [number, string]) {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => {
      const r = { method: req.method!, url: req.url!, authorization: req.headers.authorization, body: JSON.parse(data || 'null') };
      received.push(r);
      const [status, body] = reply(r);
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const primeci = (args: string[], env: Record<string, string> = {}) =>
  execa('node', ['bin/primeci.js', 'patchwork', ...args], { cwd: root, reject: false, env: { PATCHWORK_TOKEN: '', ...env } });

t.test('check payloads: states from the verdict or the run', async (t) => {
  const failing = await compareResultDirs(join(fixtures, 'base'), join(fixtures, 'patch'), { resultsUrl: 'https://ci.example' });
  t.same(checkPayload({ comparison: failing }, { context: 'primeci-ci' }), {
    state: 'fail',
    context: 'primeci-ci',
    description: 'CI Bug Log - changes from linux-6.2 -> linux-6.2+drm-shmem-resv-lock: FAILURE (1 unknown change)',
    target_url: 'https://ci.example/linux-6.2%2Bdrm-shmem-resv-lock/index.html',
  });
  const knownIssues = await loadKnownIssues(join(root, 'config', 'known-issues.yaml'));
  const known = await compareResultDirs(join(fixtures, 'base'), join(fixtures, 'patch'), { knownIssues });
  t.match(checkPayload({ comparison: known }, { context: 'x', targetUrl: 'https://t.example/1' }), { state: 'success', target_url: 'https://t.example/1' });
  t.match(checkPayload({ comparison: { ...known, verdict: 'WARNING' } }, { context: 'x' }), { state: 'warning' });
  t.match(checkPayload({ run: await readResults(join(fixtures, 'base')) }, { context: 'x' }), {
    state: 'success',
    description: 'linux-6.2 on sim-host: 4 pass, 1 skip',
  });
  t.match(checkPayload({ pending: true }, { context: 'x' }), { state: 'pending', description: 'Testing in progress' });
  t.throws(() => checkPayload({ pending: true }, { context: 'Fi.CI.BAT' }), { message: /--context "Fi\.CI\.BAT": Patchwork wants letters, digits/ });
  t.throws(() => checkPayload({ pending: true }, { context: 'x', targetUrl: `https://x/${'a'.repeat(200)}` }), { message: /at most 200/ });

  const form = testResultForm({ comparison: failing }, { context: 'Fi.CI.IGT' });
  t.match(form, { test_name: 'Fi.CI.IGT', state: 'failure', url: 'https://ci.example/linux-6.2%2Bdrm-shmem-resv-lock/index.html' });
  t.match(form.summary, /^CI Bug Log - changes from linux-6\.2 -> linux-6\.2\+drm-shmem-resv-lock\n/);
  t.equal(testResultForm({ comparison: { ...known, verdict: 'WARNING' } }, { context: 'Fi.CI.IGT' }).state, 'success', 'Intel CI posts WARNING as success');
  t.equal(testResultForm({ run: await readResults(join(fixtures, 'patch')) }, { context: 'BAT' }).state, 'failure');
});

t.test('endpoints and token sources', async (t) => {
  t.equal(endpoint('https://pw.example/', { patchId: 12 }), 'https://pw.example/api/patches/12/checks/');
  t.equal(endpoint('https://pw.example', { series: 7, revision: 2 }), 'https://pw.example/api/1.0/series/7/revisions/2/test-results/');
  const dir = await mkdtemp(join(tmpdir(), 'primeci-pw-'));
  const config = join(dir, 'patchwork.yaml');
  t.equal(await readToken({ PATCHWORK_TOKEN: TOKEN }, config), TOKEN);
  await t.rejects(readToken({}, config), { message: `no Patchwork token: set PATCHWORK_TOKEN or write "token: ..." in ${config}` });
  await writeFile(config, `token: ${TOKEN}\n`);
  t.equal(await readToken({}, config), TOKEN);
  t.equal(await readToken({ XDG_CONFIG_HOME: dir.replace(/$/, '') }, config), TOKEN);
  await writeFile(config, `token: "${TOKEN}\n  : [`);
  const error = await readToken({}, config).catch((e: Error) => e.message);
  t.equal(error, `${config}: not valid YAML`);
  t.notMatch(error, TOKEN);
});

t.test('POST to the upstream checks API with the token header', async (t) => {
  const pw = await fakePatchwork(t, () => [201, '{"id": 1}']);
  const dir = await mkdtemp(join(tmpdir(), 'primeci-pw-'));
  const comparison = join(dir, 'comparison.json');
  const made = await execa('node', ['bin/primeci.js', 'compare', join(fixtures, 'base'), join(fixtures, 'patch'), '--format', 'json', '-o', comparison], {
    cwd: root,
    reject: false,
  });
  t.equal(made.exitCode, 1, 'compare says FAILURE');

  const posted = await primeci([comparison, '--context', 'primeci-sim', '--post', pw.url, '--patch-id', '42', '--target-url', 'https://ci.example/42'], {
    PATCHWORK_TOKEN: TOKEN,
  });
  t.equal(posted.exitCode, 0, posted.stderr);
  t.equal(posted.stdout, `posted fail "primeci-sim" to ${pw.url}/api/patches/42/checks/ (HTTP 201)`);
  t.same(pw.received, [
    {
      method: 'POST',
      url: '/api/patches/42/checks/',
      authorization: `Token ${TOKEN}`,
      body: {
        state: 'fail',
        context: 'primeci-sim',
        description: 'CI Bug Log - changes from linux-6.2 -> linux-6.2+drm-shmem-resv-lock: FAILURE (1 unknown change)',
        target_url: 'https://ci.example/42',
      },
    },
  ]);
  t.notMatch(posted.stdout + posted.stderr, TOKEN);
});

t.test('POST pending, then the final result, to the freedesktop test-results API', async (t) => {
  const pw = await fakePatchwork(t, () => [201, '{}']);
  const env = { PATCHWORK_TOKEN: TOKEN };
  const pending = await primeci(['--pending', '--context', 'Fi.CI.IGT', '--post', pw.url, '--series', '7', '--revision', '2'], env);
  t.equal(pending.exitCode, 0, pending.stderr);
  const final = await primeci([join(fixtures, 'patch'), '--context', 'Fi.CI.IGT', '--post', pw.url, '--series', '7', '--revision', '2'], env);
  t.equal(final.exitCode, 0, final.stderr);
  t.same(pw.received.map((r) => [r.url, (r.body as { state: string }).state, r.authorization]), [
    ['/api/1.0/series/7/revisions/2/test-results/', 'pending', `Token ${TOKEN}`],
    ['/api/1.0/series/7/revisions/2/test-results/', 'failure', `Token ${TOKEN}`],
  ]);
  t.match((pw.received[1]!.body as { summary: string }).summary, /igt@prime_vgem@sync@rcs0/);
});

t.test('the token never appears in messages, even when the server echoes it', async (t) => {
  const pw = await fakePatchwork(t, (r) => [403, JSON.stringify({ detail: `Invalid token. You sent: ${r.authorization}` })]);
  const denied = await primeci([join(fixtures, 'base'), '--context', 'ctx', '--post', pw.url, '--patch-id', '1'], { PATCHWORK_TOKEN: TOKEN });
  t.equal(denied.exitCode, 2);
  t.match(denied.stderr, `primeci patchwork: POST ${pw.url}/api/patches/1/checks/: HTTP 403 Forbidden: {"detail":"Invalid token. You sent: Token <token>"}`);
  t.notMatch(denied.stdout + denied.stderr, TOKEN);

  const direct = await postJson(`${pw.url}/x`, {}, TOKEN).catch((e: Error) => e.message);
  t.notMatch(direct, TOKEN);
  const unreachable = await postJson(`http://user:${TOKEN}@127.0.0.1:1/api/`, {}, TOKEN).catch((e: Error) => e.message);
  t.equal(unreachable, 'http://***:***@127.0.0.1:1/api/: credentials in the URL are not sent; use PATCHWORK_TOKEN or the config file');
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const refused = await postJson(`http://127.0.0.1:${port}/api/`, {}, TOKEN).catch((e: Error) => e.message);
  t.match(refused, `POST http://127.0.0.1:${port}/api/: fetch failed (connect ECONNREFUSED`);
  t.equal(await postJson('not a url', {}, TOKEN).catch((e: Error) => e.message), '--post "not a url": not a URL');
  t.notMatch(unreachable, TOKEN);
});

t.test('bad arguments and inputs: exit 2 with a message', async (t) => {
  const cases: [string[], RegExp][] = [
    [[join(fixtures, 'base')], /--context is required/],
    [['--context', 'x'], /usage: primeci patchwork/],
    [[join(fixtures, 'base'), '--context', 'x', '--post', 'http://127.0.0.1:1'], /--post needs --patch-id N or --series N --revision V/],
    [[join(fixtures, 'base'), '--context', 'x', '--series', '3'], /--series needs --revision V/],
    [[join(fixtures, 'base'), '--context', 'x', '--patch-id', 'abc'], /--patch-id "abc": expected a whole number/],
    [[join(fixtures, 'nothing'), '--context', 'x'], /nothing: no such results directory/],
    [[join(fixtures, 'base'), '--context', 'x', '--post', 'http://127.0.0.1:1', '--patch-id', '1', '--config', '/nonexistent.yaml'], /no Patchwork token: set PATCHWORK_TOKEN/],
  ];
  const dir = await mkdtemp(join(tmpdir(), 'primeci-pw-'));
  const broken = join(dir, 'c.json');
  await writeFile(broken, JSON.stringify({ __type__: 'primeci.Comparison', verdict: 'MAYBE' }));
  cases.push([[broken, '--context', 'x'], new RegExp(`${broken}: not a primeci comparison`)]);
  // In process (stderr only: stdout carries this test's TAP).
  const saved = process.env.PATCHWORK_TOKEN;
  delete process.env.PATCHWORK_TOKEN;
  t.teardown(() => void (saved === undefined ? undefined : (process.env.PATCHWORK_TOKEN = saved)));
  const stderr = t.capture(process.stderr, 'write');
  for (const [args, message] of cases) {
    t.equal(await main(['patchwork', ...args]), 2, args.join(' '));
    t.match(stderr().map((call) => String(call.args[0])).join(''), message);
  }
  stderr.restore();
  t.ok((await readFile(join(fixtures, 'base', 'results.json'), 'utf8')).length > 0, 'inputs untouched');
});
