// Baseline for bench/rest-vs-bare: a bare node:http server that does the iris pipeline's work by hand
// with one in-process ONNX Runtime session — no auth, no logging, no engine, inference on the event loop.
import http from "node:http";
import { readFileSync } from "node:fs";
import ort from "onnxruntime-node";

const card = JSON.parse(readFileSync(new URL("../../prisma/seed/models/iris-logreg.json", import.meta.url), "utf8"));
const session = await ort.InferenceSession.create(new URL("../../prisma/seed/models/iris-logreg.onnx", import.meta.url).pathname, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: "all",
});

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    try {
      const record = JSON.parse(Buffer.concat(chunks).toString("utf8")).flower;
      const x = new Float32Array(card.features.map((f, i) => (record[f] - card.scaler.mean[i]) / card.scaler.std[i]));
      const out = await session.run({ features: new ort.Tensor("float32", x, [1, x.length]) });
      const p = out.probabilities.data;
      const order = [...p.keys()].sort((a, b) => p[b] - p[a]);
      const top = order.map((i) => ({ label: card.labels[i], index: i, score: p[i] }));
      const body = JSON.stringify({ outputs: { label: top[0].label, top } });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
    } catch (e) {
      res.writeHead(400).end(String(e));
    }
  });
});
server.listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port, pids: [process.pid] }));
process.on("SIGTERM", () => process.exit(0));
