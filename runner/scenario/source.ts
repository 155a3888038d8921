// A parsed YAML file that can say where any value came from (file:line:col).
import { readFileSync } from 'node:fs';
import { LineCounter, Parser, isMap, isPair, isScalar, parseDocument, visit, type CST, type Document, type Node } from 'yaml';
import type { SourceLocation } from './model.ts';

/** An input problem, reported as `file:line:col: message`. */
export interface Diagnostic extends SourceLocation {
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}`;
}

/** Thrown when an input file cannot be used; carries every problem found. */
export class InputError extends Error {
  readonly diagnostics: Diagnostic[];

  constructor(diagnostics: Diagnostic[]) {
    const sorted = [...diagnostics].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
    super(sorted.map(formatDiagnostic).join('\n'));
    this.diagnostics = sorted;
    this.name = 'InputError';
  }
}

export type YamlPath = (string | number)[];

export class YamlSource {
  private constructor(
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parses `text` (read from `path`, default `file`, when omitted); YAML syntax
   * errors throw InputError. `file` is the name shown in messages. */
  static parse(file: string, text?: string, path = file): YamlSource {
    const src = text ?? readSource(file, path);
    const nestedAt = tooDeep(src);
    // Past the limit only the part before it is composed (composing recurses);
    // a syntax error there explains the nesting better than the depth does.
    const lines = new LineCounter();
    const doc = parseDocument(nestedAt === undefined ? src : src.slice(0, nestedAt), { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    const problems = [...doc.errors, ...doc.warnings].filter((e) => nestedAt === undefined || e.pos[0] < nestedAt);
    const located = (offset: number, message: string): Diagnostic => ({ file, ...lines.linePos(offset), message });
    if (problems.length > 0) {
      const shown = problems.slice(0, MAX_SYNTAX_ERRORS).map((e) => located(e.pos[0], shorten(firstLine(e.message))));
      if (problems.length > shown.length) {
        shown.push({ ...shown[shown.length - 1], message: `(${problems.length - shown.length} more syntax errors not shown)` });
      }
      throw new InputError(shown);
    }
    if (nestedAt !== undefined) throw new InputError([located(nestedAt, `nested more than ${MAX_DEPTH} levels deep`)]);
    return new YamlSource(file, doc, lines);
  }

  /** The plain data; aliases are bounded so an alias bomb cannot exhaust memory. */
  data(): unknown {
    try {
      return this.doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // Composing fails on aliases (unresolved, or too many): blame the first one that cannot be resolved, else the first.
      const at = this.problemAlias();
      throw new InputError([{ ...(at ? this.at(at) : { file: this.file, line: 1, col: 1 }), message: (e as Error).message }]);
    }
  }

  private problemAlias(): number | undefined {
    let first: number | undefined;
    let unresolved: number | undefined;
    visit(this.doc, {
      Alias: (_, node) => {
        const offset = node.range?.[0];
        first ??= offset;
        if (unresolved === undefined && node.resolve(this.doc) === undefined) {
          unresolved = offset;
          return visit.BREAK;
        }
      },
    });
    return unresolved ?? first;
  }

  /** Where the value at `path` starts; with `key`, where its mapping key starts.
   * Falls back to the nearest existing ancestor (e.g. for a missing field). */
  locate(path: YamlPath, key = false): SourceLocation {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      const node = key && depth === path.length ? this.keyNode(prefix) : this.valueNode(prefix);
      if (node?.range) return this.at(node.range[0]);
    }
    return { file: this.file, line: 1, col: 1 };
  }

  diagnostic(path: YamlPath, message: string, key = false): Diagnostic {
    return { ...this.locate(path, key), message };
  }

  private valueNode(path: YamlPath): Node | undefined {
    if (path.length === 0) return (this.doc.contents ?? undefined) as Node | undefined;
    const node = this.doc.getIn(path, true);
    return isNodeLike(node) ? node : undefined;
  }

  private keyNode(path: YamlPath): Node | undefined {
    const parent = this.valueNode(path.slice(0, -1));
    const name = path[path.length - 1];
    if (!isMap(parent)) return undefined;
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === name);
    return pair && isNodeLike(pair.key) ? pair.key : undefined;
  }

  private at(offset: number): SourceLocation {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }
}

/** Far beyond any suite or config, far below the nesting at which the YAML
 * composer's recursion overflows the stack (about 900 levels). */
export const MAX_DEPTH = 100;
/** A file that is not YAML at all (a binary, say) is told so in a few lines, not megabytes. */
const MAX_SYNTAX_ERRORS = 10;

/** Reads a file as UTF-8 text, refusing what is clearly not a YAML text file. */
function readSource(file: string, path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError([{ file, line: 1, col: 1, message: `cannot read: ${(e as Error).message}` }]);
  }
  const refuse = (message: string) => new InputError([{ file, line: 1, col: 1, message }]);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw refuse('the file is UTF-16 encoded; save it as UTF-8');
  }
  if (bytes.includes(0)) throw refuse('not a text file (it holds NUL bytes); expected UTF-8 YAML');
  return bytes.toString('utf8');
}

/** The offset of the first node nested deeper than MAX_DEPTH, read from the
 * parser's token tree (built without recursion) before anything recurses over it. */
function tooDeep(src: string): number | undefined {
  const stack: [CST.Token, number][] = [];
  for (const token of new Parser().parse(src)) stack.push([token, 0]);
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [token, depth] = entry;
    if (depth > MAX_DEPTH) return token.offset;
    if (token.type === 'document' && token.value) stack.push([token.value, depth]);
    if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items) {
        if (item.key) stack.push([item.key, depth + 1]);
        if (item.value) stack.push([item.value, depth + 1]);
      }
    }
  }
  return undefined;
}

function shorten(message: string): string {
  return message.length > 200 ? message.slice(0, 200) + '…' : message;
}

function isNodeLike(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
