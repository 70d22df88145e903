import { AppError } from "../errors.ts";

/**
 * How deep a request's JSON may nest (objects and arrays). Far beyond any graph, tensor or input the app
 * uses, and far below what recursive code (validation, logging, canonical JSON) can walk without running
 * out of stack: a deeper body is refused with 400 INVALID_INPUT instead of failing with a 500.
 */
export const MAX_JSON_DEPTH = 64;

/** Throws INVALID_INPUT when `value` nests deeper than `max` levels. Iterative: any depth is safe to check. */
export function assertJsonDepth(value: unknown, what: string, max = MAX_JSON_DEPTH): void {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) continue;
    if (depth > max) throw new AppError("INVALID_INPUT", `${what} is nested deeper than ${max} levels.`, { maxDepth: max });
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (x !== null && typeof x === "object") stack.push([x, depth + 1]);
  }
}
