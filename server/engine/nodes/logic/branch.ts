import { z } from "zod";
import { defineNode, type TNodeIssue } from "../../define-node.ts";
import { NodeInputError } from "../../errors.ts";
import { SKIPPED } from "../../executor/execute.ts";
import { formatKind, kinds } from "../../types/kinds.ts";
import { isTensor, readNumber, sizeOf } from "../../values/tensor.ts";
import { shapeIssue } from "../shared.ts";

const ORDERING = new Set([">", ">=", "<", "<="]);

export const branch = defineNode({
  type: "logic/branch@v1",
  title: "Branch",
  category: "logic",
  description:
    "Routes `value` to `then` when the predicate holds and to `else` when it does not; nodes fed by the side not taken are skipped (a Merge downstream picks up whichever side ran). The predicate tests `test` when connected, otherwise `value` itself — a number, string, boolean or one-element tensor. <, <=, >, >= compare numbers (booleans count as 0/1); == and != also compare strings. NaN satisfies only !=.",
  params: z.object({
    predicate: z
      .object({
        op: z.enum([">", ">=", "<", "<=", "==", "!="]).default(">").meta({ description: "Comparison" }),
        value: z.union([z.number(), z.string(), z.boolean()]).meta({ description: "What the tested value is compared with" }),
      })
      .refine((p) => !ORDERING.has(p.op) || typeof p.value !== "string", { message: "<, <=, >, >= need a number", path: ["value"] }),
  }),
  ports: {
    inputs: {
      value: { kind: kinds.any(), description: "What is routed" },
      test: { kind: kinds.any(), optional: true, description: "What the predicate tests; `value` when not connected" },
    },
    outputs: { then: kinds.any(), else: kinds.any() },
  },
  infer({ params, inputs }) {
    const port = inputs.test ? "test" : "value";
    const tested = inputs.test ?? inputs.value;
    const issues: TNodeIssue[] = [];
    if (tested?.kind === "list" || tested?.kind === "image") {
      issues.push({ code: "KIND_MISMATCH", port, message: `cannot test ${formatKind(tested)}: expected a number, string, boolean or one-element tensor`, expected: "number | string | boolean | tensor[1]", actual: formatKind(tested) });
    }
    // Symbolic dims aside, fixed dims whose product is not 1 can never make one element.
    if (tested?.kind === "tensor" && tested.shape && sizeOf(tested.shape.filter((d): d is number => typeof d === "number")) !== 1) {
      issues.push(shapeIssue(port, `the tested tensor ${formatKind(tested)} does not hold exactly one value`, "1 element", formatKind(tested)));
    }
    const textual = tested?.kind === "string" || (tested?.kind === "tensor" && tested.dtype === "string");
    if (textual && ORDERING.has(params.predicate.op)) {
      issues.push({ code: "KIND_MISMATCH", port, message: `'${params.predicate.op}' compares numbers, but the tested value is ${formatKind(tested)}`, expected: "number", actual: formatKind(tested) });
    }
    return inputs.value ? { outputs: { then: inputs.value, else: inputs.value }, issues } : { issues };
  },
  execute(inputs, p) {
    const port = inputs.test !== undefined ? "test" : "value";
    const holds = compare(scalarOf(inputs[port], port), p.predicate.op, p.predicate.value, port);
    return holds ? { then: inputs.value, else: SKIPPED } : { then: SKIPPED, else: inputs.value };
  },
});

function scalarOf(v: unknown, port: string): number | string | boolean {
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (isTensor(v)) {
    if (v.data.length !== 1) throw new NodeInputError(`expected one value to test, got a tensor of shape [${v.shape.join(", ")}]`, port);
    if (v.dtype === "string") return (v.data as string[])[0]!;
    return v.dtype === "bool" ? readNumber(v, 0) !== 0 : readNumber(v, 0);
  }
  throw new NodeInputError(`expected a number, string, boolean or one-element tensor to test, got ${v === null ? "null" : Array.isArray(v) ? "a list" : typeof v}`, port);
}

function compare(actual: number | string | boolean, op: string, expected: number | string | boolean, port: string): boolean {
  const a = typeof actual === "boolean" ? Number(actual) : actual;
  const b = typeof expected === "boolean" ? Number(expected) : expected;
  if (op === "==") return a === b;
  if (op === "!=") return a !== b;
  if (typeof a !== "number") throw new NodeInputError(`'${op}' compares numbers, got ${JSON.stringify(a)}`, port);
  const n = b as number;
  return op === ">" ? a > n : op === ">=" ? a >= n : op === "<" ? a < n : a <= n;
}
