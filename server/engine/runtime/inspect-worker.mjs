/**
 * One-shot child process behind inspectModel(): reads an uploaded file, checks it and loads it in ONNX
 * Runtime, replies with its metadata or a coded failure, and exits. Whatever the bytes do to the
 * native runtime (throw, abort, hang) happens here, not in the server.
 *
 * Protocol (IPC, advanced serialisation): parent → { path, sessionOptions }; child → { ok: true, metadata }
 * or { ok: false, code, message, details }.
 */
import { readFile } from "node:fs/promises";
import { checkDeclaredSignature, describeSession, failureMessage, ort, ortSessionOptions, RuntimeFailure } from "./ort-common.mjs";
import { ProtoError, readModelProto } from "./onnx-proto.mjs";

async function inspect({ path, sessionOptions }) {
  const bytes = await readFile(path);
  let summary;
  try {
    summary = readModelProto(bytes);
  } catch (e) {
    if (e instanceof ProtoError) throw new RuntimeFailure("MODEL_INVALID", `This is not an ONNX model (${e.message}); the file may be truncated or corrupt.`);
    throw e;
  }
  if (!summary.hasGraph) throw new RuntimeFailure("MODEL_INVALID", "This is not an ONNX model: it has no graph.");
  if (summary.externalTensors.length) {
    // Checked before ORT sees the bytes: ORT would resolve the paths against its working directory.
    const shown = summary.externalTensors.slice(0, 5).join(", ");
    throw new RuntimeFailure(
      "MODEL_EXTERNAL_DATA",
      `The model keeps tensor data in separate files (${shown}${summary.externalTensors.length > 5 ? ", …" : ""}). Upload a single self-contained .onnx file.`,
      { tensors: summary.externalTensors.slice(0, 50) },
    );
  }
  checkDeclaredSignature(summary);

  let session;
  try {
    session = await ort.InferenceSession.create(bytes, ortSessionOptions(sessionOptions));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/Unsupported data type/i.test(message)) throw new RuntimeFailure("MODEL_UNSUPPORTED_TYPE", `ONNX Runtime cannot exchange this model's values with JavaScript: ${message}`);
    throw new RuntimeFailure("MODEL_INVALID", `ONNX Runtime cannot load this model: ${message}`);
  }
  try {
    const { inputs, outputs } = describeSession(session, summary);
    return { inputs, outputs, opset: summary.opset, producer: summary.producer, irVersion: summary.irVersion };
  } finally {
    await session.release();
  }
}

process.once("message", (request) => {
  inspect(request).then(
    (metadata) => process.send({ ok: true, metadata }, () => process.exit(0)),
    (e) => process.send({ ok: false, ...failureMessage(e, "INTERNAL") }, () => process.exit(0)),
  );
});
