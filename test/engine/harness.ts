/**
 * Helpers for the engine's node tests: run one node on real values through compile + execute, or compile it
 * against declared input kinds to see what its `infer` propagates.
 */
import { compile, type TCompileIssue } from "@/server/engine/compiler/compile.ts";
import { describeNode, type TCompileEnv, type TModelRunner } from "@/server/engine/define-node.ts";
import { execute, RunError } from "@/server/engine/executor/execute.ts";
import { registry } from "@/server/engine/nodes/index.ts";
import type { TRegistry } from "@/server/engine/registry.ts";
import type { TKind } from "@/server/engine/types/kinds.ts";
import { fromNumbers, isTensor, makeTensor, toNumbers, type TAnyTensor, type TDtype } from "@/server/engine/values/tensor.ts";
import { expect } from "vitest";
import { GraphBuilder } from "../helpers/graph-builder.ts";

export const env: TCompileEnv = { models: new Map() };
export const noModels: TModelRunner = { run: () => Promise.reject(new Error("no models in this test")) };

/** A tensor from flat values: numbers (bigints for 64-bit integers are made from them) or strings. */
export function tensor(dtype: TDtype, shape: number[], values: readonly (number | string)[]): TAnyTensor {
  if (dtype === "string") return makeTensor("string", shape, values as string[]);
  return fromNumbers(dtype, shape, values as number[]) as TAnyTensor;
}

export const f32 = (shape: number[], values: readonly number[]) => tensor("float32", shape, values);

/** A tensor as plain data for assertions: dtype, shape, and elements as numbers (or strings). */
export function plain(v: unknown): { dtype: string; shape: number[]; data: (number | string)[] } {
  if (!isTensor(v)) throw new Error(`expected a tensor, got ${JSON.stringify(v)}`);
  return { dtype: v.dtype, shape: [...v.shape], data: v.dtype === "string" ? [...(v.data as string[])] : toNumbers(v) };
}

/** Element-wise toBeCloseTo, with NaN matching NaN. */
export function expectClose(actual: readonly (number | string)[], expected: readonly number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const a = actual[i] as number;
    if (Number.isNaN(e)) expect(a, `element ${i}`).toBeNaN();
    else if (!Number.isFinite(e)) expect(a, `element ${i}`).toBe(e);
    else expect(a, `element ${i}`).toBeCloseTo(e, digits);
  });
}

const NODE = "node";

function outputPorts(type: string, params: Record<string, unknown>, reg: TRegistry): string[] {
  const def = reg.get(type);
  if (!def) throw new Error(`unknown node type ${type}`);
  const parsed = def.params.safeParse(params);
  return parsed.success ? Object.keys(describeNode(def, parsed.data, env).outputs) : []; // invalid params: the compiler says why
}

/** input kinds default to "a tensor of any dtype" for tensors and "any" for everything else. */
function defaultKind(v: unknown): TKind {
  return isTensor(v) ? { kind: "tensor", dtype: "any" } : { kind: "any" };
}

/**
 * Given one node and values for its inputs, when the pipeline input → node → pipeline output graph is
 * compiled and run, then its outputs by port. Each input port is fed by a pipeline input of the same name.
 */
export async function runNode(
  type: string,
  params: Record<string, unknown>,
  inputs: Record<string, unknown>,
  opts: { kinds?: Record<string, TKind>; reg?: TRegistry } = {},
): Promise<Record<string, unknown>> {
  const reg = opts.reg ?? registry;
  const g = new GraphBuilder();
  g.add(type, params, NODE);
  for (const [port, v] of Object.entries(inputs)) g.connect(g.input(port, opts.kinds?.[port] ?? defaultKind(v)), "value", NODE, port);
  for (const port of outputPorts(type, params, reg)) g.output(`out_${port}`, NODE, port);
  const r = compile(g.build(), reg, env);
  expect(r.issues.filter((i) => i.severity === "error")).toEqual([]);
  const run = await execute(r.plan!, inputs, { models: noModels });
  return Object.fromEntries(Object.entries(run.outputs).map(([k, v]) => [k.replace(/^out_/, ""), v]));
}

/** runNode that is expected to fail: the RunError. */
export async function runNodeError(type: string, params: Record<string, unknown>, inputs: Record<string, unknown>, opts: { kinds?: Record<string, TKind> } = {}): Promise<RunError> {
  const e = await runNode(type, params, inputs, opts).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RunError);
  return e as RunError;
}

/**
 * Given one node whose inputs come from pipeline inputs of the given kinds, when compiled, then the kinds its
 * outputs were inferred to have and the issues reported (warnings about unused inputs left out).
 */
export function inferNode(type: string, params: Record<string, unknown>, kinds: Record<string, TKind>): { outputs: Record<string, TKind>; issues: TCompileIssue[] } {
  const g = new GraphBuilder();
  g.add(type, params, NODE);
  for (const [port, kind] of Object.entries(kinds)) g.connect(g.input(port, kind), "value", NODE, port);
  const outs = outputPorts(type, params, registry);
  for (const port of outs) g.output(`out_${port}`, NODE, port);
  const r = compile(g.build(), registry, env);
  // With invalid params there are no ports to wire, so NO_OUTPUTS would only be noise.
  const issues = r.issues.filter((i) => i.severity === "error" && !(outs.length === 0 && i.code === "NO_OUTPUTS"));
  return { outputs: r.ports[NODE]?.outputs ?? {}, issues };
}

/** Shorthand for a tensor kind. */
export function tk(dtype: TDtype | "any", shape?: (number | string | null)[]): TKind {
  return shape ? { kind: "tensor", dtype, shape } : { kind: "tensor", dtype };
}

/** Compile issues as [code, nodeId, port] triples (for arrayContaining). */
export function issueTriples(issues: readonly TCompileIssue[]): [string, string | undefined, string | undefined][] {
  return issues.map((i) => [i.code, i.nodeId, i.port]);
}
