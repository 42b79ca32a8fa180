/**
 * Narrowing helpers for untrusted JSON from runner streams (fields may be missing or renamed
 * between versions, so nothing is assumed).
 *
 * @module
 */

/** A JSON object, or undefined for anything else. */
export type Obj = Record<string, unknown>;

/** Parses one line of JSONL; null for blank lines, non-JSON lines and non-objects. */
export function parseJsonLine(line: string): Obj | null {
  const t = line.trim();
  if (!t.startsWith("{")) return null;
  try {
    return obj(JSON.parse(t)) ?? null;
  } catch {
    return null;
  }
}

/** `v` if it is a plain object. */
export function obj(v: unknown): Obj | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Obj : undefined;
}

/** `v` if it is a string. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** `v` if it is a finite number. */
export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** `v` if it is an array, else an empty array. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
