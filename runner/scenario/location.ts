import type { SourceLocation } from './model.ts';

export function displayLocation(at: SourceLocation): string {
  return `${at.file}:${at.line}:${at.col}`;
}
