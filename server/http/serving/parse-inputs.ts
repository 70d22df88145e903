import type { IncomingMessage } from "node:http";
import busboy from "busboy";
import { AppError } from "../../errors.ts";
import { assertJsonDepth } from "../json-depth.ts";
import { readBody } from "./read-body.ts";

/**
 * The named inputs of an invoke request: a JSON object (`{"<input>": value, …}`), or multipart/form-data
 * where file parts become bytes (images, audio) and text parts are parsed as JSON when they are JSON.
 */
export async function parseInputs(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const inputs = await parseBody(req, maxBytes);
  assertJsonDepth(inputs, "The request body");
  return inputs;
}

async function parseBody(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json" || type.endsWith("+json")) {
    const body = await readBody(req, maxBytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.length ? body.toString("utf8") : "{}");
    } catch (e) {
      throw new AppError("INVALID_INPUT", `The body is not valid JSON: ${(e as Error).message}`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new AppError("INVALID_INPUT", "The body must be a JSON object of named inputs, e.g. {\"flower\": {…}}.", { expected: "object", actual: Array.isArray(parsed) ? "array" : typeof parsed });
    }
    return parsed as Record<string, unknown>;
  }
  if (type === "multipart/form-data") return parseMultipart(req, maxBytes);
  throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Content-Type '${type || "(none)"}' is not supported: send application/json or multipart/form-data.`, { contentType: type });
}

function parseMultipart(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const inputs: Record<string, unknown> = {};
    // Field names are the client's: a part named `__proto__` must be an (unknown) input, not this object's prototype.
    const set = (name: string, value: unknown) => Object.defineProperty(inputs, name, { value, enumerable: true, writable: true, configurable: true });
    let total = 0;
    let failed = false;
    const fail = (e: AppError) => {
      if (failed) return;
      failed = true;
      req.unpipe();
      req.resume();
      reject(e);
    };
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: maxBytes, fieldSize: maxBytes, files: 64, fields: 256 } });
    } catch (e) {
      return reject(new AppError("INVALID_INPUT", `Bad multipart request: ${(e as Error).message}`));
    }
    bb.on("field", (name, value) => {
      total += value.length;
      if (total > maxBytes) return fail(new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than the limit of ${maxBytes} bytes.`, { limitBytes: maxBytes }));
      try {
        set(name, JSON.parse(value));
      } catch {
        set(name, value);
      }
    });
    bb.on("file", (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => {
        total += c.length;
        if (total > maxBytes) return fail(new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than the limit of ${maxBytes} bytes.`, { limitBytes: maxBytes }));
        chunks.push(c);
      });
      stream.on("limit", () => fail(new AppError("PAYLOAD_TOO_LARGE", `File '${name}' is larger than the limit of ${maxBytes} bytes.`, { field: name, limitBytes: maxBytes })));
      stream.on("end", () => {
        set(name, new Uint8Array(Buffer.concat(chunks)));
      });
    });
    bb.on("error", (e: Error) => fail(new AppError("INVALID_INPUT", `Bad multipart request: ${e.message}`)));
    bb.on("close", () => !failed && resolve(inputs));
    req.pipe(bb);
  });
}
