import { AppError } from "../errors.ts";

/**
 * How deep a request's JSON may nest (objects and arrays). Far beyond any graph, tensor or input the app
 * uses, and far below what recursive code (validation, logging, canonical JSON) can walk without running
 * out of stack: a deeper body is refused with 400 INVALID_INPUT instead of failing with a 500.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Throws INVALID_INPUT when `value` nests deeper than `max` levels, or — with `refuseNul` — holds a NUL character
 * in a key or a string (PostgreSQL cannot store one in text or jsonb: the write would fail with a 500).
 * Iterative: any depth is safe to check.
 */
export function assertJsonDepth(value: unknown, what: string, max = MAX_JSON_DEPTH, refuseNul = false): void {
  const stack: [unknown, number][] = [[value, 1]];
  const nul = (s: string) => {
    if (refuseNul && s.includes("\u0000")) throw new AppError("INVALID_INPUT", `${what} holds a NUL character (\\u0000), which cannot be stored.`);
  };
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === "string") nul(v);
    if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) continue;
    if (depth > max) throw new AppError("INVALID_INPUT", `${what} is nested deeper than ${max} levels.`, { maxDepth: max });
    if (Array.isArray(v)) for (const x of v) stack.push([x, depth + 1]);
    else {
      for (const [k, x] of Object.entries(v)) {
        nul(k);
        stack.push([x, depth + 1]);
      }
    }
  }
}
