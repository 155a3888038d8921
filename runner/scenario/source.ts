// A parsed YAML file that can say where any value came from (file:line:col).
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isPair, isScalar, parseDocument, type Document, type Node } from 'yaml';
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
    let src: string;
    try {
      src = text ?? readFileSync(path, 'utf8');
    } catch (e) {
      throw new InputError([{ file, line: 1, col: 1, message: `cannot read: ${(e as Error).message}` }]);
    }
    const lines = new LineCounter();
    const doc = parseDocument(src, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) {
      throw new InputError(
        problems.map((e) => {
          const at = lines.linePos(e.pos[0]);
          return { file, line: at.line, col: at.col, message: firstLine(e.message) };
        }),
      );
    }
    return new YamlSource(file, doc, lines);
  }

  /** The plain data; aliases are bounded so an alias bomb cannot exhaust memory. */
  data(): unknown {
    try {
      return this.doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw new InputError([{ file: this.file, line: 1, col: 1, message: (e as Error).message }]);
    }
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

function isNodeLike(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
