// A patch series as the kernel builder takes it: git format-patch files, or
// one mbox (`git format-patch --stdout`, or Patchwork's /series/N/mbox/),
// parsed into numbered patches in order, with the cover letter kept apart.
//
// Mail headers and transfer encodings are postal-mime's job, the diff's file
// list is parse-diff's; what is left here is what git am and Patchwork agree
// on: where one mail ends (the mbox From_ line), where the diff is, and the
// [PATCH vV k/n] numbering.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import parseDiff from 'parse-diff';
import PostalMime from 'postal-mime';
import { KernelBuildError } from './errors.ts';

/** One file of a patch's diff; a path is null on the /dev/null side. */
export interface PatchFile {
  change: 'add' | 'delete' | 'modify' | 'rename';
  oldPath: string | null;
  newPath: string | null;
}

/** What a numbered mail of a series says about itself. */
interface SeriesMail {
  /** n of [PATCH k/n]. */
  total: number;
  /** N of [PATCH vN ...]; 1 when absent, as Patchwork counts. */
  version: number;
  /** The subject without its leading [...] groups. */
  subject: string;
  /** The Subject: header as sent (decoded). */
  fullSubject: string;
  /** "Name <address>": the in-body From: when there is one, as git am takes it. */
  author: string;
  /** The Date: header as ISO 8601, null when missing or unreadable. */
  date: string | null;
  messageId: string | null;
  /** The whole mail (with its From_ line when it had one), for git am. */
  mail: string;
  /** Where it came from: "FILE" or "FILE:LINE" for a mail inside an mbox. */
  source: string;
}

export type CoverLetter = SeriesMail;

export interface SeriesPatch extends SeriesMail {
  /** k of [PATCH k/n], 1-based. */
  index: number;
  files: PatchFile[];
  /**
   * sha256 of the diff alone (from the first `diff --git` line to its last
   * line, LF line ends, no trailing signature). A resend with a new subject,
   * date, Message-ID, commit message or git version builds the same kernel, so
   * it hashes the same; so does the same patch read from Patchwork, whose mbox
   * moves the signature before the diff.
   */
  sha256: string;
}

export interface PatchSeries {
  /** The cover letter's subject, else the first patch's, as Patchwork names a series. */
  name: string;
  version: number;
  cover: CoverLetter | null;
  patches: SeriesPatch[];
}

/** One input: a file's text and the name to show in errors (a path or a URL). */
export interface SeriesInput {
  name: string;
  text: string;
}

/** Reads the files in the order given (one .patch each, or one mbox of several). */
export async function readSeries(paths: string[]): Promise<PatchSeries> {
  const inputs = await Promise.all(
    paths.map(async (path) => {
      try {
        return { name: path, text: await readFile(path, 'utf8') };
      } catch (error) {
        throw new KernelBuildError(`${path}: cannot read the patch (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    }),
  );
  return parseSeries(inputs);
}

export async function parseSeries(inputs: SeriesInput[]): Promise<PatchSeries> {
  if (!inputs.length) throw new KernelBuildError('no patch given');
  const mails = [];
  for (const input of inputs) {
    for (const raw of splitMbox(input)) mails.push(await parseMail(raw));
  }
  return numberSeries(mails);
}

/** A mail as messages name it: where it is and its subject. */
function where(mail: { source: string; fullSubject: string }): string {
  return `${mail.source} (${JSON.stringify(mail.fullSubject)})`;
}

// git's builtin/mailsplit.c (is_from_line) splits at "From " lines that end in
// an asctime date: git format-patch writes `From <sha> Mon Sep 17 00:00:00 2001`,
// Patchwork `From patchwork Mon Nov  3 07:00:00 2026`. Neither escapes a body
// line starting "From ", so a bare "From " prefix is not enough.
const FROM_LINE = /^From \S+ +[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}\s*$/;

interface RawMail {
  text: string;
  source: string;
}

function splitMbox(input: SeriesInput): RawMail[] {
  const lines = input.text.replace(/\r\n/g, '\n').split('\n');
  const first = lines.findIndex((line) => line.trim() !== '');
  if (first < 0) throw new KernelBuildError(`${input.name}: empty, not a patch`);
  // A plain mail file (no From_ line) is one mail.
  if (!FROM_LINE.test(lines[first]!)) return [{ text: lines.slice(first).join('\n'), source: input.name }];
  const starts = lines.flatMap((line, i) => (i >= first && FROM_LINE.test(line) ? [i] : []));
  const single = starts.length === 1;
  return starts.map((start, k) => ({
    text: lines.slice(start, starts[k + 1] ?? lines.length).join('\n'),
    source: single ? input.name : `${input.name}:${start + 1}`,
  }));
}

/** A patch mail before the series is numbered: index null when its subject has no k/n. */
interface PatchMail extends SeriesMail {
  index: number | null;
  diff: string;
}
type ParsedMail = { cover: CoverLetter } | { patch: PatchMail };

interface Numbering {
  index: number | null;
  total: number | null;
  version: number;
  subject: string;
  prefixed: boolean;
}

// Patchwork's parser.py (clean_subject, split_prefixes, parse_series_marker,
// parse_version): every leading [...] group is split on commas and spaces; a
// token ending in k/n numbers the mail, vN gives the version.
function numbering(fullSubject: string): Numbering {
  let rest = fullSubject.replace(/\s+/g, ' ').trim();
  const tokens: string[] = [];
  let group;
  while ((group = /^\[([^\]]*)\]\s*/.exec(rest))) {
    tokens.push(...group[1]!.split(/[,\s]+/).filter(Boolean));
    rest = rest.slice(group[0].length);
  }
  const marker = tokens.map((t) => /^.*?(\d+)\/(\d+)$/.exec(t)).find(Boolean);
  const version = tokens.map((t) => /^[vV](\d+)$/.exec(t)).find(Boolean);
  return {
    index: marker ? Number(marker[1]) : null,
    total: marker ? Number(marker[2]) : null,
    version: version ? Number(version[1]) : 1,
    subject: rest,
    prefixed: tokens.some((t) => /patch/i.test(t)),
  };
}

function formatAddress(from: { name?: string; address?: string } | undefined): string {
  if (!from?.address) return from?.name ?? '';
  return from.name ? `${from.name} <${from.address}>` : from.address;
}

// git am (mailinfo.c, handle_inbody_header): a "From:" line opening the body
// names the author when the mail was sent by someone else.
function inBodyAuthor(body: string): string | null {
  return /^From:[ \t]*(\S.*)\n/.exec(body.trimStart())?.[1]!.trim() ?? null;
}

/** The diff of a mail body: from the first `diff --git` line, without a trailing `-- ` signature. */
function diffOf(body: string): string | null {
  const lines = body.replace(/\r\n/g, '\n').split('\n');
  const start = lines.findIndex((line) => line.startsWith('diff --git '));
  if (start < 0) return null;
  let end = lines.length;
  // The signature git format-patch appends ("-- " then the git version):
  // the last "-- " line after which nothing looks like diff content.
  const signature = lines.lastIndexOf('-- ');
  if (signature > start && lines.slice(signature + 1).every((line) => !/^[-+ @\\]|^diff /.test(line))) end = signature;
  while (end > start && lines[end - 1] === '') end--;
  return `${lines.slice(start, end).join('\n')}\n`;
}

function filesOf(diff: string): PatchFile[] {
  const path = (p: string | undefined) => (p === undefined || p === '/dev/null' ? null : p);
  return parseDiff(diff).map((file) => {
    const oldPath = file.new ? null : path(file.from);
    const newPath = file.deleted ? null : path(file.to);
    const change = oldPath === null ? 'add' : newPath === null ? 'delete' : oldPath !== newPath ? 'rename' : 'modify';
    return { change, oldPath, newPath };
  });
}

async function parseMail(raw: RawMail): Promise<ParsedMail> {
  const fromLine = FROM_LINE.test(raw.text.split('\n', 1)[0]!);
  const headersAndBody = fromLine ? raw.text.slice(raw.text.indexOf('\n') + 1) : raw.text;
  const email = await PostalMime.parse(headersAndBody).catch((error: Error) => {
    throw new KernelBuildError(`${raw.source}: not a mail (${error.message})`);
  });
  if (!email.subject && !email.from) throw new KernelBuildError(`${raw.source}: not a patch mail (no Subject: or From: header); give git format-patch output or an mbox`);
  const fullSubject = email.subject ?? '';
  const n = numbering(fullSubject);
  const body = email.text ?? '';
  const date = email.date && !Number.isNaN(Date.parse(email.date)) ? new Date(email.date).toISOString() : null;
  const mail: SeriesMail = {
    total: n.total ?? 1,
    version: n.version,
    subject: n.subject,
    fullSubject,
    author: inBodyAuthor(body) ?? formatAddress(email.from),
    date,
    messageId: email.messageId ?? null,
    mail: raw.text.endsWith('\n') ? raw.text : `${raw.text}\n`,
    source: raw.source,
  };
  if (n.index === 0) return { cover: mail };
  if (n.index !== null && n.total !== null && n.index > n.total) throw new KernelBuildError(`${where(mail)}: patch ${n.index}/${n.total} is past the end of its series`);
  const diff = diffOf(body);
  if (diff === null) {
    throw new KernelBuildError(
      n.prefixed || n.index !== null
        ? `${where(mail)}: no diff in the patch (no line starting "diff --git")`
        : `${where(mail)}: not a patch (no [PATCH] subject and no diff)`,
    );
  }
  return { patch: { ...mail, index: n.index, diff } };
}

function numberSeries(mails: ParsedMail[]): PatchSeries {
  const covers = mails.flatMap((m) => ('cover' in m ? [m.cover] : []));
  const patches = mails.flatMap((m) => ('patch' in m ? [m.patch] : []));
  if (covers.length > 1) throw new KernelBuildError(`${where(covers[1]!)}: a second cover letter; the first is ${where(covers[0]!)}`);
  if (!patches.length) throw new KernelBuildError(`${where(covers[0]!)}: a cover letter and no patch`);
  const cover = covers[0] ?? null;

  const numbered = patches.filter((p) => p.index !== null);
  // A lone [PATCH], or files given without numbers, are numbered in the order given.
  if (numbered.length === 0 && !cover) return finish(cover, patches.map((p, k) => ({ ...p, index: k + 1, total: patches.length })));
  const unnumbered = patches.find((p) => p.index === null);
  if (unnumbered) throw new KernelBuildError(`${where(unnumbered)}: has no k/n number, but ${where(cover ?? numbered[0]!)} has`);

  const first = cover ?? patches[0]!;
  for (const m of [...covers, ...patches]) {
    if (m.total !== first.total) throw new KernelBuildError(`${where(m)}: says the series has ${m.total} patches, ${where(first)} says ${first.total}`);
    if (m.version !== first.version) throw new KernelBuildError(`${where(m)}: version ${m.version}, ${where(first)} is version ${first.version}`);
  }
  const seen = new Map<number, PatchMail>();
  const inOrder = patches.map((p, k) => {
    const index = p.index!;
    const earlier = seen.get(index);
    if (earlier) throw new KernelBuildError(`${where(p)}: duplicate patch ${index}/${p.total}, also ${where(earlier)}`);
    seen.set(index, p);
    if (index !== k + 1) throw new KernelBuildError(`${where(p)}: patch ${index}/${p.total} where ${k + 1}/${p.total} was expected (missing, or given out of order)`);
    return { ...p, index };
  });
  if (patches.length < first.total) {
    const missing = `${patches.length + 1}/${first.total}${patches.length + 1 < first.total ? ` to ${first.total}/${first.total}` : ''}`;
    throw new KernelBuildError(`${where(patches.at(-1)!)}: the series has ${first.total} patches, ${patches.length} given (missing ${missing})`);
  }
  return finish(cover, inOrder);
}

function finish(cover: CoverLetter | null, patches: (PatchMail & { index: number })[]): PatchSeries {
  const series = patches.map(({ diff, ...patch }) => ({ ...patch, files: filesOf(diff), sha256: createHash('sha256').update(diff).digest('hex') }));
  return { name: (cover ?? series[0]!).subject, version: series[0]!.version, cover, patches: series };
}

/** Every path a patch touches, old and new names of renames included. */
export function touchedPaths(patch: Pick<SeriesPatch, 'files'>): string[] {
  return [...new Set(patch.files.flatMap((f) => [f.oldPath, f.newPath]).filter((p): p is string => p !== null))].sort();
}

/** What the kernel builder needs of a patch. */
export type BuildPatch = Pick<SeriesPatch, 'source' | 'subject' | 'sha256' | 'mail' | 'files'>;

/** A bare `git diff` (no mail headers; text before the first `diff --git`
 * is a comment), such as the builder's own adaptations of a module. */
export function bareDiff(source: string, subject: string, text: string): BuildPatch {
  const diff = diffOf(text);
  if (diff === null) throw new KernelBuildError(`${source}: no diff (expected 'diff --git' lines)`);
  return { source, subject, sha256: createHash('sha256').update(diff).digest('hex'), mail: diff, files: filesOf(diff) };
}
