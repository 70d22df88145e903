import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";
import { startModelServing, type TModelServing } from "../helpers/model-serving.ts";
import { linearExpected, linearModel } from "../helpers/onnx-builder.ts";

/** Builds a binary-extension body: the JSON header, then each chunk in order. */
function binaryBody(header: unknown, chunks: Buffer[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...chunks]), headerLength: json.length };
}

/** BYTES elements as the extension lays them out: a uint32 LE length, then the bytes. */
function bytesElements(...items: (string | Buffer)[]): Buffer {
  return Buffer.concat(
    items.flatMap((item) => {
      const b = typeof item === "string" ? Buffer.from(item) : item;
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.length);
      return [len, b];
    }),
  );
}

function splitResponse(raw: Buffer, headerLength: number) {
  const json = JSON.parse(raw.subarray(0, headerLength).toString()) as { outputs: { name: string; datatype: string; shape: number[]; data?: unknown[]; parameters?: { binary_data_size?: number } }[] };
  let offset = headerLength;
  const binary = new Map<string, Buffer>();
  for (const o of json.outputs) {
    const n = o.parameters?.binary_data_size;
    if (n === undefined) continue;
    binary.set(o.name, raw.subarray(offset, offset + n));
    offset += n;
  }
  expect(offset).toBe(raw.length);
  return { json, binary };
}

describe("Open Inference Protocol: binary tensor data and model metadata", () => {
  let s: TModelServing;
  let key: string;
  const auth = () => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    s = await startModelServing();
    await s.upload("linear", linearModel());
    // Declared without dtype or shape: what it accepts comes from the model port it feeds (float32 [batch, 4]).
    const lin = new GraphBuilder();
    lin.connect(lin.input("x", { kind: "tensor", dtype: "any" }), "value", lin.add("model/onnx@v1", { model: "linear", version: 1 }, "model"), "x");
    lin.connect(lin.input("ids", { kind: "tensor", dtype: "int64", shape: ["batch"] }), "value", "model", "ids");
    lin.output("y", "model", "y");
    lin.output("ids_out", "model", "ids_out");
    await s.publish("linear", lin.build());

    const two = new GraphBuilder();
    two.output("a_out", two.input("a", { kind: "tensor", dtype: "float32", shape: [2, 2] }), "value");
    two.output("words_out", two.input("words", { kind: "tensor", dtype: "string", shape: [3] }), "value");
    await s.publish("two", two.build());

    const img = new GraphBuilder();
    img.connect(img.input("image", { kind: "image" }), "value", img.add("image/decode@v1", {}, "decode"), "image");
    img.output("width", "decode", "width");
    img.output("height", "decode", "height");
    await s.publish("size", img.build());
    await s.publish("toy", toyClassifierGraph());
    key = await s.key();
  }, 120_000);
  afterAll(async () => s?.close());

  const infer = (slug: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(`${s.h.base}/v2/models/${slug}/infer`, { method: "POST", headers: { ...auth(), "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : new Uint8Array(body) });
  const postBinary = (slug: string, header: unknown, chunks: Buffer[]) => {
    const { body, headerLength } = binaryBody(header, chunks);
    return infer(slug, body, { "content-type": "application/octet-stream", "inference-header-content-length": String(headerLength) });
  };
  const invocations = () => s.db.prisma.invocation.count();

  it("says it has the binary_tensor_data extension", async () => {
    expect(await (await fetch(`${s.h.base}/v2`)).json()).toMatchObject({ extensions: ["binary_tensor_data"] });
  });

  it("advertises what an input really accepts (narrowed by the model it feeds), and accepts what it advertises", async () => {
    const meta = await (await fetch(`${s.h.base}/v2/models/linear`, { headers: auth() })).json();
    expect(meta.inputs).toEqual([
      { name: "x", datatype: "FP32", shape: [-1, 4] },
      { name: "ids", datatype: "INT64", shape: [-1] },
    ]);
    // A client that follows the metadata: shape [2, 4] FP32.
    const x = [1, 2, 3, 4, -1, 0.5, 0, 2];
    const res = await infer("linear", JSON.stringify({ inputs: [{ name: "x", datatype: "FP32", shape: [2, 4], data: x }, { name: "ids", datatype: "INT64", shape: [2], data: [7, 8] }] }));
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.outputs.find((o: { name: string }) => o.name === "y")).toEqual({ name: "y", datatype: "FP32", shape: [2, 2], data: linearExpected(x) });
    // One that does not (rank 1): refused as the caller's mistake before anything runs, naming the input.
    const before = await invocations();
    const bad = await infer("linear", JSON.stringify({ inputs: [{ name: "x", datatype: "FP32", shape: [4], data: [1, 2, 3, 4] }, { name: "ids", datatype: "INT64", shape: [1], data: [1] }] }));
    const problem = await bad.json();
    expect(bad.status).toBe(400);
    expect(problem).toMatchObject({ code: "INVALID_INPUT", field: "x" });
    expect(problem.error).toContain("rank 2");
    // The refused call is logged as a failed run that never reached the model.
    const row = await s.db.prisma.invocation.findUniqueOrThrow({ where: { id: problem.invocation_id } });
    expect(row).toMatchObject({ status: "error", errorCode: "INVALID_INPUT" });
    expect(await invocations()).toBe(before + 1);
  });

  it("takes binary inputs and returns binary outputs, exactly (NaN, ±Infinity, -0)", async () => {
    const x = Float32Array.of(NaN, Infinity, -Infinity, -0, 1, 2, 3, 4);
    const ids = BigInt64Array.of(9007199254740993n, -1n);
    const res = await postBinary("linear", { inputs: [{ name: "x", datatype: "FP32", shape: [2, 4], parameters: { binary_data_size: 32 } }, { name: "ids", datatype: "INT64", shape: [2], parameters: { binary_data_size: 16 } }], parameters: { binary_data_output: true } }, [
      Buffer.from(x.buffer),
      Buffer.from(ids.buffer),
    ]);
    const raw = Buffer.from(await res.arrayBuffer());
    expect(res.status, raw.toString()).toBe(200);
    const { json, binary } = splitResponse(raw, Number(res.headers.get("inference-header-content-length")));
    expect(json.outputs.map((o) => [o.name, o.datatype, o.shape, o.data])).toEqual([
      ["y", "FP32", [2, 2], undefined],
      ["ids_out", "INT64", [2], undefined],
    ]);
    const y = new Float32Array(new Uint8Array(binary.get("y")!).buffer);
    expect(Array.from(y.slice(0, 2))).toEqual([NaN, NaN]); // NaN·w + b, Inf − Inf
    expect(Array.from(y.slice(2))).toEqual(linearExpected([1, 2, 3, 4]).map((v) => Math.fround(v)));
    // int64 beyond 2^53 survives binary (JSON would need a string).
    expect(Array.from(new BigInt64Array(new Uint8Array(binary.get("ids_out")!).buffer))).toEqual([9007199254740993n, -1n]);
  });

  it("mixes JSON and binary per tensor: binary_data on an output overrides binary_data_output", async () => {
    const words = bytesElements("héllo", "", "日本");
    const res = await postBinary(
      "two",
      {
        inputs: [
          { name: "a", datatype: "FP32", shape: [2, 2], data: [1, "NaN", "-Infinity", 4] },
          { name: "words", datatype: "BYTES", shape: [3], parameters: { binary_data_size: words.length } },
        ],
        outputs: [{ name: "a_out", parameters: { binary_data: false } }, { name: "words_out" }],
        parameters: { binary_data_output: true },
      },
      [words],
    );
    const raw = Buffer.from(await res.arrayBuffer());
    expect(res.status, raw.toString()).toBe(200);
    const { json, binary } = splitResponse(raw, Number(res.headers.get("inference-header-content-length")));
    expect(json.outputs.find((o) => o.name === "a_out")).toEqual({ name: "a_out", datatype: "FP32", shape: [2, 2], data: [1, "NaN", "-Infinity", 4] });
    expect(json.outputs.find((o) => o.name === "words_out")).toMatchObject({ datatype: "BYTES", shape: [3], parameters: { binary_data_size: words.length } });
    expect(binary.get("words_out")!.equals(words)).toBe(true);
  });

  it("takes an image file and JSON text as single BYTES elements", async () => {
    const png = await readFile("test/fixtures/images/chelsea-small.png");
    const res = await postBinary("size", { inputs: [{ name: "image", datatype: "BYTES", shape: [1], parameters: { binary_data_size: png.length + 4 } }] }, [bytesElements(png)]);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    const width = body.outputs.find((o: { name: string }) => o.name === "width");
    expect(width.datatype).toBe("INT64");
    expect(width.data[0]).toBeGreaterThan(0);
    const flower = bytesElements(JSON.stringify({ a: 0, b: 9 }));
    const toy = await postBinary("toy", { inputs: [{ name: "flower", datatype: "BYTES", shape: [1], parameters: { binary_data_size: flower.length } }] }, [flower]);
    const label = (await toy.json()).outputs.find((o: { name: string }) => o.name === "label");
    expect(JSON.parse(label.data[0])).toBe("right");
  });

  it.each([
    ["sizes that do not add up (bytes left over)", { inputs: [{ name: "a", datatype: "FP32", shape: [2, 2], parameters: { binary_data_size: 16 } }, { name: "words", datatype: "BYTES", shape: [0], data: [] }] }, [Buffer.alloc(20)], "do not add up"],
    ["a size past the end of the body", { inputs: [{ name: "a", datatype: "FP32", shape: [2, 2], parameters: { binary_data_size: 64 } }, { name: "words", datatype: "BYTES", shape: [0], data: [] }] }, [Buffer.alloc(16)], "runs past the end"],
    ["a size that does not fit the shape", { inputs: [{ name: "a", datatype: "FP32", shape: [2, 2], parameters: { binary_data_size: 12 } }, { name: "words", datatype: "BYTES", shape: [0], data: [] }] }, [Buffer.alloc(12)], "needs 16 bytes"],
    ["both data and binary_data_size", { inputs: [{ name: "a", datatype: "FP32", shape: [2, 2], data: [1, 2, 3, 4], parameters: { binary_data_size: 16 } }] }, [Buffer.alloc(16)], "not both"],
    ["a negative size", { inputs: [{ name: "a", datatype: "FP32", shape: [2, 2], parameters: { binary_data_size: -1 } }] }, [], "non-negative integer"],
    ["a BYTES element cut off", { inputs: [{ name: "a", datatype: "FP32", shape: [2, 2], data: [1, 2, 3, 4] }, { name: "words", datatype: "BYTES", shape: [3], parameters: { binary_data_size: 6 } }] }, [Buffer.from([9, 0, 0, 0, 65, 66])], "runs past binary_data_size"],
    ["too few BYTES elements for the shape", { inputs: [{ name: "a", datatype: "FP32", shape: [2, 2], data: [1, 2, 3, 4] }, { name: "words", datatype: "BYTES", shape: [3], parameters: { binary_data_size: 5 } }] }, [bytesElements("x")], "needs 3 BYTES elements"],
    ["BYTES that are not UTF-8", { inputs: [{ name: "a", datatype: "FP32", shape: [2, 2], data: [1, 2, 3, 4] }, { name: "words", datatype: "BYTES", shape: [1], parameters: { binary_data_size: 6 } }] }, [bytesElements(Buffer.from([0xff, 0xfe]))], "not UTF-8"],
  ] as const)("refuses %s with 400 INVALID_INPUT and runs nothing", async (_what, header, chunks, message) => {
    const before = await invocations();
    const res = await postBinary("two", header, [...chunks]);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.code).toBe("INVALID_INPUT");
    expect(body.error).toContain(message);
    expect(await invocations()).toBe(before);
  });

  it("refuses a header length longer than the body, and other content types", async () => {
    const res = await infer("two", "{}", { "content-type": "application/octet-stream", "inference-header-content-length": "999" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "INVALID_INPUT", details: { field: "Inference-Header-Content-Length" } });
    const text = await infer("two", "{}", { "content-type": "text/plain" });
    expect(text.status).toBe(415);
    expect((await text.json()).code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
});
