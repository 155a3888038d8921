/** A value, or why there is none (for the caller to word as its error). */
export type Resolved<T> = { ok: true; value: T } | { ok: false; error: string };
