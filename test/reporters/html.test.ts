// The HTML pages, loaded in headless Chromium: the rendered totals, the
// filter (driven by the page address), and each test's captured output.
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { compareResultDirs } from '../../reporters/compare/compare-dirs.ts';
import { renderComparison } from '../../reporters/compare/render.ts';
import { renderReport } from '../../reporters/index.ts';
import { readResults } from '../../reporters/results-reader.ts';

const fixtures = new URL('../fixtures/results/', import.meta.url).pathname;

async function findChromium(): Promise<string | undefined> {
  const found = await execa('sh', ['-c', 'command -v chromium'], { reject: false });
  return found.exitCode === 0 ? found.stdout.trim() : undefined;
}

const chromium = await findChromium();
if (!chromium && process.env.CI) t.fail('chromium is missing on CI: .ci/install-chromium.sh should have installed it');

/** The DOM after the page's scripts ran, as headless Chromium renders it. */
async function renderedDom(html: string, fragment = ''): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'primeci-html-'));
  try {
    const page = join(dir, 'index.html');
    await writeFile(page, html);
    const { stdout } = await execa(chromium!, [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--dump-dom',
      `${pathToFileURL(page).href}${fragment}`,
    ], { timeout: 60_000 });
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function totals(dom: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const m of dom.matchAll(/data-total="([^"]+)"><dt>[^<]*<\/dt><dd>(\d+)<\/dd>/g)) found[m[1]!] = Number(m[2]);
  return found;
}

const shown = (dom: string) => Number(/<span id="shown">(\d+)<\/span>/.exec(dom)?.[1]);
const visibleRows = (dom: string) => [...dom.matchAll(/<tr id="([^"]+)"(?![^>]*hidden)[^>]*>/g)].map((m) => m[1]);

t.test('a run page: totals, filter, per-test output', { skip: chromium ? false : 'chromium not installed (.ci/install-chromium.sh)' }, async (t) => {
  const { content } = await renderReport(await readResults(join(fixtures, 'patch')), 'html', { env: {} });
  t.notMatch(content, /<(link|script) [^>]*(src|href)=/, 'self-contained: no external files');

  const dom = await renderedDom(content);
  t.same(totals(dom), { total: 5, pass: 3, skip: 1, incomplete: 1 });
  t.equal(shown(dom), 5);
  t.match(dom, /<title>primeci ci-patch<\/title>/);
  t.match(dom, /linux-6\.2\+drm-shmem-resv-lock on sim-host \(sim backend\)/);
  t.match(dom, /<h4>dmesg<\/h4><pre>[^<]*WARNING: possible recursive locking detected/);

  const filtered = await renderedDom(content, '#status=incomplete');
  t.equal(shown(filtered), 1, 'the script applied the status filter from the address');
  t.same(visibleRows(filtered), ['igt@prime_vgem@sync@rcs0']);
  const byText = await renderedDom(content, '#q=prime_vgem');
  t.same(visibleRows(byText), ['igt@prime_vgem@basic-read', 'igt@prime_vgem@sync@rcs0']);
});

t.test('a comparison page: section counts, changes, the bug log', { skip: chromium ? false : 'chromium not installed' }, async (t) => {
  const comparison = await compareResultDirs(join(fixtures, 'base'), join(fixtures, 'patch'));
  const dom = await renderedDom(renderComparison(comparison, 'html'));
  t.match(totals(dom), { 'possible regression': 1, warning: 0, 'known issue hit': 0, 'possible fix': 0, 'new tests': 0 });
  t.match(dom, /<title>CI Bug Log: linux-6\.2 -&gt; linux-6\.2\+drm-shmem-resv-lock: FAILURE<\/title>/);
  t.match(dom, /<td class="name">igt@prime_vgem@sync@rcs0<\/td><td>possible regression<\/td><td>sim-host<\/td><td>PASS<\/td><td>INCOMPLETE<\/td>/);
  t.match(dom, /<a href="[^"]*\/patch\/index\.html#igt@prime_vgem@sync@rcs0">patch INCOMPLETE<\/a>/);
  t.match(dom, /<pre id="appendix">CI Bug Log - changes from linux-6\.2 -&gt; linux-6\.2\+drm-shmem-resv-lock/);
});
