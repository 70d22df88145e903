import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServingHarness, type TServingHarness } from "../helpers/serving-server.ts";
import { GraphBuilder } from "../helpers/graph-builder.ts";
import { toyClassifierGraph } from "../helpers/example-graphs.ts";

/** Pass-through pipelines for every OIP datatype: input tensor → output, so values must round-trip. */
const DATATYPES = [
  ["BOOL", "bool", [true, false, true, true]],
  ["UINT8", "uint8", [0, 1, 254, 255]],
  ["UINT16", "uint16", [0, 1, 65534, 65535]],
  ["UINT32", "uint32", [0, 1, 4294967294, 4294967295]],
  ["UINT64", "uint64", [0, 1, 2, 9007199254740991]],
  ["INT8", "int8", [-128, -1, 0, 127]],
  ["INT16", "int16", [-32768, -1, 0, 32767]],
  ["INT32", "int32", [-2147483648, -1, 0, 2147483647]],
  ["INT64", "int64", [-9007199254740991, -1, 0, 9007199254740991]],
  ["FP16", "float16", [0, 1.5, -2, 65504]],
  ["FP32", "float32", [0, 1.5, -2.25, 3.4028234663852886e38]],
  ["FP64", "float64", [0, 1.5, -2.25, 1e300]],
  ["BYTES", "string", ["a", "bé", "", "日本"]],
] as const;

describe("Open Inference Protocol v2", () => {
  let h: TServingHarness;
  let key: string;
  const auth = () => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    h = await startServingHarness();
    const api = await h.admin.api();
    const publish = async (slug: string, graph: unknown) => {
      await api.pipelines.create({ slug, name: slug });
      const d = await api.drafts.get({ slug });
      await api.drafts.save({ slug, graph, layout: {}, baseRevision: d.revision });
      await api.versions.commit({ slug, message: "v1" });
      await api.aliases.set({ slug, alias: "production", version: 1 });
    };
    await publish("toy", toyClassifierGraph());
    for (const [, dtype] of DATATYPES) {
      const g = new GraphBuilder();
      const i = g.input("x", { kind: "tensor", dtype, shape: [2, 2] });
      g.output("y", i, "value");
      await publish(`echo-${dtype}`, g.build());
    }
    key = (await api.apiKeys.create({ name: "oip", pipelines: [] })).key;
  });
  afterAll(async () => h?.close());

  it("serves health, server metadata, model metadata and model readiness", async () => {
    expect(await (await fetch(`${h.base}/v2/health/live`)).json()).toEqual({ live: true });
    expect(await (await fetch(`${h.base}/v2/health/ready`)).json()).toEqual({ ready: true });
    expect(await (await fetch(`${h.base}/v2`)).json()).toMatchObject({ name: "inferline" });
    const meta = await (await fetch(`${h.base}/v2/models/echo-float32`, { headers: auth() })).json();
    expect(meta).toEqual({ name: "echo-float32", versions: ["1"], platform: "inferline", inputs: [{ name: "x", datatype: "FP32", shape: [2, 2] }], outputs: [{ name: "y", datatype: "FP32", shape: [2, 2] }] });
    expect(await (await fetch(`${h.base}/v2/models/toy/versions/1/ready`, { headers: auth() })).json()).toEqual({ name: "toy", ready: true });
    expect((await fetch(`${h.base}/v2/models/toy`)).status).toBe(401);
    expect((await fetch(`${h.base}/v2/models/nope`, { headers: auth() })).status).toBe(404);
  });

  it.each(DATATYPES)("round-trips %s tensors", async (datatype, _dtype, data) => {
    const res = await fetch(`${h.base}/v2/models/echo-${_dtype}/infer`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ id: "req-1", inputs: [{ name: "x", shape: [2, 2], datatype, data }] }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ model_name: `echo-${_dtype}`, model_version: "1", id: "req-1" });
    expect(body.outputs).toEqual([{ name: "y", datatype, shape: [2, 2], data }]);
  });

  it("takes the spec's example request shape unchanged (nested data, outputs filter, parameters)", async () => {
    // From the OIP REST spec: inputs with name/shape/datatype/data, an outputs list, optional parameters.
    const res = await fetch(`${h.base}/v2/models/echo-float32/versions/1/infer`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ id: "42", parameters: {}, inputs: [{ name: "x", shape: [2, 2], datatype: "FP32", parameters: {}, data: [[1, 2], [3, 4]] }], outputs: [{ name: "y" }] }),
    });
    const body = await res.json();
    expect(body.outputs).toEqual([{ name: "y", datatype: "FP32", shape: [2, 2], data: [1, 2, 3, 4] }]);
    const row = await h.db.prisma.invocation.findUniqueOrThrow({ where: { id: body.parameters.invocation_id } });
    expect(row).toMatchObject({ source: "oip", status: "ok" });
  });

  it("carries JSON inputs and outputs as BYTES", async () => {
    const res = await fetch(`${h.base}/v2/models/toy/infer`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ inputs: [{ name: "flower", shape: [1], datatype: "BYTES", data: [JSON.stringify({ a: 0, b: 9 })] }] }),
    });
    const body = await res.json();
    const label = body.outputs.find((o: { name: string }) => o.name === "label");
    expect(label).toMatchObject({ datatype: "BYTES", shape: [1] });
    expect(JSON.parse(label.data[0])).toBe("right");
  });

  it("answers bad requests with an `error` and problem+json fields", async () => {
    const res = await fetch(`${h.base}/v2/models/echo-int8/infer`, {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ inputs: [{ name: "x", shape: [2, 2], datatype: "INT8", data: [1, 2, 3, 300] }] }),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toContain("outside int8's range");
    expect(body).toMatchObject({ code: "INVALID_INPUT", status: 400 });
    const wrongType = await fetch(`${h.base}/v2/models/echo-int8/infer`, { method: "POST", headers: { ...auth(), "content-type": "application/json" }, body: JSON.stringify({ inputs: [{ name: "x", shape: [2, 2], datatype: "FP32", data: [1, 2, 3, 4] }] }) });
    expect((await wrongType.json()).error).toContain("expected dtype int8, got float32");
  });
});
