import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/server/errors.ts";
import { inspectModel } from "@/server/engine/runtime/inspect-model.ts";
import { readModelProto } from "@/server/engine/runtime/onnx-proto.mjs";
import {
  addModel,
  buildModel,
  externalDataModel,
  int4OutputModel,
  linearModel,
  ONNX_TYPE,
  sequenceOutputModel,
} from "../../helpers/onnx-builder.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "inferline-inspect-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, bytes);
  return p;
}

async function expectRefused(p: Promise<unknown>, code: string): Promise<AppError> {
  const e = await p.then(
    () => {
      throw new Error(`expected ${code}, but inspection succeeded`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code, (e as AppError).message).toBe(code);
  return e as AppError;
}

describe("inspectModel (isolated child process)", () => {
  it("reads names, dtypes, symbolic dims and the header of a good model", async () => {
    const meta = await inspectModel(await file("linear.onnx", linearModel({ producer: "pytorch" })));
    expect(meta).toEqual({
      inputs: [
        { name: "x", dtype: "float32", shape: ["batch", 4] },
        { name: "ids", dtype: "int64", shape: ["batch"] },
      ],
      outputs: [
        { name: "y", dtype: "float32", shape: ["batch", 2] },
        { name: "ids_out", dtype: "int64", shape: ["batch"] },
      ],
      opset: 17,
      producer: "pytorch",
      irVersion: 8,
    });
  });

  it("tells unknown dimensions (null) and an undeclared rank (shape null) from fixed and symbolic ones", async () => {
    const meta = await inspectModel(await file("add.onnx", addModel()));
    expect(meta.inputs).toEqual([
      { name: "a", dtype: "float32", shape: [null] },
      { name: "b", dtype: "float32", shape: [null] },
    ]);
    const noShape = buildModel({
      graph: {
        nodes: [{ op: "Identity", inputs: ["x"], outputs: ["y"] }],
        inputs: [{ name: "x", elemType: ONNX_TYPE.UINT8 }],
        outputs: [{ name: "y", elemType: ONNX_TYPE.UINT8 }],
      },
    });
    const m2 = await inspectModel(await file("rankless.onnx", noShape));
    expect(m2.inputs).toEqual([{ name: "x", dtype: "uint8", shape: null }]);
    const scalar = buildModel({
      graph: {
        nodes: [{ op: "Identity", inputs: ["x"], outputs: ["y"] }],
        inputs: [{ name: "x", elemType: ONNX_TYPE.DOUBLE, shape: [] }],
        outputs: [{ name: "y", elemType: ONNX_TYPE.DOUBLE, shape: [] }],
      },
    });
    expect((await inspectModel(await file("scalar.onnx", scalar))).outputs).toEqual([{ name: "y", dtype: "float64", shape: [] }]);
  });

  it("refuses garbage and truncated files as MODEL_INVALID", async () => {
    const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251);
    await expectRefused(inspectModel(await file("garbage.onnx", garbage)), "MODEL_INVALID");
    const good = linearModel();
    const truncated = await expectRefused(inspectModel(await file("truncated.onnx", good.subarray(0, good.length - 40))), "MODEL_INVALID");
    expect(truncated.message).toMatch(/truncated|corrupt|ONNX/);
    await expectRefused(inspectModel(await file("empty.onnx", new Uint8Array())), "MODEL_INVALID");
  });

  it("refuses a well-formed model ONNX Runtime rejects (unknown operator), with ORT's reason", async () => {
    const bad = buildModel({
      graph: {
        nodes: [{ op: "NoSuchOperator", inputs: ["x"], outputs: ["y"] }],
        inputs: [{ name: "x", elemType: ONNX_TYPE.FLOAT, shape: [1] }],
        outputs: [{ name: "y", elemType: ONNX_TYPE.FLOAT, shape: [1] }],
      },
    });
    const e = await expectRefused(inspectModel(await file("unknown-op.onnx", bad)), "MODEL_INVALID");
    expect(e.message).toContain("NoSuchOperator");
  });

  it("refuses external data before ONNX Runtime could read a file it names", async () => {
    // ORT resolves external paths against its working directory: put the file there and it would load it.
    const e = await expectRefused(inspectModel(await file("external.onnx", externalDataModel("package.json"))), "MODEL_EXTERNAL_DATA");
    expect(e.message).toContain("separate files (c)");
    expect(e.details).toEqual({ tensors: ["c"] });
    // Also inside a Constant node's tensor attribute.
    const inConstant = buildModel({
      graph: {
        nodes: [
          { op: "Constant", inputs: [], outputs: ["k"], name: "const", attributes: [{ name: "value", t: { name: "kt", dataType: ONNX_TYPE.FLOAT, dims: [1], external: { location: "w.bin" } } }] },
          { op: "Add", inputs: ["x", "k"], outputs: ["y"] },
        ],
        inputs: [{ name: "x", elemType: ONNX_TYPE.FLOAT, shape: [1] }],
        outputs: [{ name: "y", elemType: ONNX_TYPE.FLOAT, shape: [1] }],
      },
    });
    const e2 = await expectRefused(inspectModel(await file("external-constant.onnx", inConstant)), "MODEL_EXTERNAL_DATA");
    expect(e2.details).toEqual({ tensors: ["node 'const' › kt"] });
  });

  it("refuses int4 outputs and sequence outputs as MODEL_UNSUPPORTED_TYPE, and keeps working afterwards", async () => {
    const e = await expectRefused(inspectModel(await file("int4.onnx", int4OutputModel())), "MODEL_UNSUPPORTED_TYPE");
    expect(e.message).toContain("output 'out' is an int4");
    const s = await expectRefused(inspectModel(await file("seq.onnx", sequenceOutputModel())), "MODEL_UNSUPPORTED_TYPE");
    expect(s.message).toContain("output 'seq' is a sequence");
    const bf16 = buildModel({
      graph: {
        nodes: [{ op: "Cast", inputs: ["x"], outputs: ["y"], attributes: [{ name: "to", i: ONNX_TYPE.FLOAT }] }],
        inputs: [{ name: "x", elemType: ONNX_TYPE.BFLOAT16, shape: [2] }],
        outputs: [{ name: "y", elemType: ONNX_TYPE.FLOAT, shape: [2] }],
      },
    });
    const b = await expectRefused(inspectModel(await file("bf16.onnx", bf16)), "MODEL_UNSUPPORTED_TYPE");
    expect(b.details).toEqual({ problems: [{ side: "input", name: "x", type: "bfloat16" }] });
    // The server process is untouched: the next inspection works.
    expect((await inspectModel(await file("after.onnx", linearModel()))).outputs).toHaveLength(2);
  });

  it("gives up on an inspection that outlasts its timeout (the child is killed)", async () => {
    const e = await expectRefused(inspectModel(await file("slow.onnx", linearModel()), { timeoutMs: 5 }), "MODEL_INVALID");
    expect(e.details).toMatchObject({ reason: "timeout" });
  });
});

describe("readModelProto", () => {
  it("reads the header and declared signature without ONNX Runtime", () => {
    const s = readModelProto(linearModel({ producer: "skl2onnx" }));
    expect(s).toMatchObject({ irVersion: 8, producer: "skl2onnx", opset: 17, hasGraph: true, initializerNames: ["W", "B"], externalTensors: [] });
    expect(s.inputs[0]).toEqual({ name: "x", type: { kind: "tensor", elemType: ONNX_TYPE.FLOAT, shape: ["batch", 4] } });
  });

  it("finds external tensors in subgraphs (If branches)", () => {
    const branch = (name: string) => ({
      name,
      initializers: [{ name: `${name}_w`, dataType: ONNX_TYPE.FLOAT, dims: [1], external: { location: "x.bin" } }],
      nodes: [{ op: "Identity", inputs: [`${name}_w`], outputs: [`${name}_out`] }],
      inputs: [],
      outputs: [{ name: `${name}_out`, elemType: ONNX_TYPE.FLOAT, shape: [1] }],
    });
    const m = buildModel({
      graph: {
        nodes: [{ op: "If", name: "branch", inputs: ["c"], outputs: ["y"], attributes: [{ name: "then_branch", g: branch("then") }, { name: "else_branch", g: branch("else") }] }],
        inputs: [{ name: "c", elemType: ONNX_TYPE.BOOL, shape: [] }],
        outputs: [{ name: "y", elemType: ONNX_TYPE.FLOAT, shape: [1] }],
      },
    });
    expect(readModelProto(m).externalTensors).toEqual(["node 'branch' › subgraph › then_w", "node 'branch' › subgraph › else_w"]);
  });

  it("throws on bytes that are not protobuf", () => {
    expect(() => readModelProto(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f]))).toThrow(/past the end/);
    expect(() => readModelProto(Uint8Array.from([0x0f, 0x00]))).toThrow(/wire type/);
  });
});
