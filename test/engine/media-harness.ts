/** Helpers for the media node tests (image, audio, text): fixtures and whole-graph runs. */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { z } from "zod";
import { compile, type TCompileResult } from "@/server/engine/compiler/compile.ts";
import { defineNode, describeNode, type TAssetInfo, type TCompileEnv, type TModelRunner } from "@/server/engine/define-node.ts";
import { execute, RunError, type TExecuteResult } from "@/server/engine/executor/execute.ts";
import { NODE_DEFINITIONS } from "@/server/engine/nodes/index.ts";
import { createRegistry } from "@/server/engine/registry.ts";
import { kinds, type TKind } from "@/server/engine/types/kinds.ts";
import { isTensor } from "@/server/engine/values/tensor.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { env, noModels } from "./harness.ts";

/**
 * Output nodes turn images into PNG data URLs; node tests want the values themselves. A test-only capture
 * node, placed before each output, keeps what it was given (by run) and passes null on.
 */
const captured = new Map<string, unknown>();
let runSeq = 0;
const capture = defineNode({
  type: "logic/test-capture@v1",
  title: "Test capture",
  category: "logic",
  description: "test only",
  params: z.object({ key: z.string() }),
  ports: { inputs: { value: { kind: kinds.any() } }, outputs: { value: kinds.any() } },
  execute(inputs, p) {
    captured.set(p.key, inputs.value);
    return { value: null };
  },
});
export const testRegistry = createRegistry([...NODE_DEFINITIONS, capture]);

/**
 * Given one node and values for its inputs (each fed by a pipeline input of the same name, of kind
 * `kinds[port]` or any), when compiled and run, then the raw values of its outputs by port.
 */
export async function runRaw(
  type: string,
  params: Record<string, unknown>,
  inputs: Record<string, unknown>,
  kindsByPort: Record<string, TKind> = {},
  opts: { models?: TModelRunner; env?: Partial<TCompileEnv> } = {},
): Promise<Record<string, unknown>> {
  const def = testRegistry.get(type);
  if (!def) throw new Error(`unknown node type ${type}`);
  const cenv: TCompileEnv = { ...env, ...opts.env };
  const parsed = def.params.safeParse(params);
  const ports = parsed.success ? Object.keys(describeNode(def, parsed.data, { ...cenv, registry: testRegistry }).outputs) : [];
  const run = ++runSeq;
  const g = new GraphBuilder();
  g.add(type, params, "node");
  for (const [port, v] of Object.entries(inputs)) g.connect(g.input(port, kindsByPort[port] ?? (isTensor(v) ? { kind: "tensor", dtype: "any" } : { kind: "any" })), "value", "node", port);
  for (const port of ports) {
    const c = g.add("logic/test-capture@v1", { key: `${run}:${port}` }, `cap_${port}`);
    g.connect("node", port, c, "value");
    g.output(`out_${port}`, c, "value");
  }
  const compiled = compile(g.build(), testRegistry, cenv);
  expect(compiled.issues.filter((i) => i.severity === "error")).toEqual([]);
  await execute(compiled.plan!, inputs, { models: opts.models ?? noModels });
  return Object.fromEntries(ports.map((p) => [p, captured.get(`${run}:${p}`)]));
}

/** runRaw that must fail: the RunError. */
export async function runRawError(type: string, params: Record<string, unknown>, inputs: Record<string, unknown>, kindsByPort: Record<string, TKind> = {}, opts: { env?: Partial<TCompileEnv> } = {}): Promise<RunError> {
  const e = await runRaw(type, params, inputs, kindsByPort, opts).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RunError);
  return e as RunError;
}

export const IMAGE = { kind: "image" } as const;

const FIXTURES = new URL("../fixtures/", import.meta.url);
export function fixture(path: string): Buffer {
  return readFileSync(new URL(path, FIXTURES));
}

/** A fixture file as a pipeline asset, and the reference nodes put in their params. */
export function fixtureAsset(path: string, name = path.split("/").pop()!): { asset: TAssetInfo; ref: { name: string; sha256: string }; env: Partial<TCompileEnv> } {
  const bytes = new Uint8Array(fixture(path));
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const asset = { name, sha256, mediaType: "application/octet-stream", bytes };
  return { asset, ref: { name, sha256 }, env: { assets: new Map([[sha256, asset]]) } };
}

/** Compiles the graph built by `build` (no errors expected) and runs it. */
export async function runGraph(build: (g: GraphBuilder) => void, inputs: Record<string, unknown>, opts: { models?: TModelRunner; env?: Partial<TCompileEnv> } = {}): Promise<TExecuteResult & { compiled: TCompileResult }> {
  const g = new GraphBuilder();
  build(g);
  const compiled = compile(g.build(), testRegistry, { ...env, ...opts.env });
  expect(compiled.issues.filter((i) => i.severity === "error")).toEqual([]);
  const run = await execute(compiled.plan!, inputs, { models: opts.models ?? noModels });
  return { ...run, compiled };
}

/** runGraph that must fail: the RunError. */
export async function runGraphError(build: (g: GraphBuilder) => void, inputs: Record<string, unknown>): Promise<RunError> {
  const e = await runGraph(build, inputs).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RunError);
  return e as RunError;
}

/** A straight chain input → n1 → n2 … → output: [type, params, inPort, outPort] per node. */
export function chain(inputKind: unknown, steps: [string, Record<string, unknown>, string, string][], outputs: Record<string, [number, string]> = {}) {
  return (g: GraphBuilder) => {
    let prev = g.input("x", inputKind);
    let prevPort = "value";
    const ids: string[] = [];
    steps.forEach(([type, params, inPort, outPort], i) => {
      const id = g.add(type, params, `s${i}`);
      g.connect(prev, prevPort, id, inPort);
      ids.push(id);
      prev = id;
      prevPort = outPort;
    });
    g.output("y", prev, prevPort);
    for (const [name, [step, port]] of Object.entries(outputs)) g.output(name, ids[step]!, port);
  };
}

/** Mean absolute difference of two byte arrays of one length. */
export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}
