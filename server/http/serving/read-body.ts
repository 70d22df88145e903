import type { IncomingMessage } from "node:http";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Transform } from "node:stream";
import { AppError } from "../../errors.ts";

/**
 * Reads a request body, decompressing gzip/deflate/br, and refuses it with 413 as soon as either the
 * bytes on the wire or the decompressed bytes pass `maxBytes` (a zip bomb is stopped while streaming).
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase().trim();
  let decoder: Transform | null;
  switch (encoding) {
    case "identity":
      decoder = null;
      break;
    case "gzip":
    case "x-gzip":
      decoder = createGunzip();
      break;
    case "deflate":
      decoder = createInflate();
      break;
    case "br":
      decoder = createBrotliDecompress();
      break;
    default:
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Content-Encoding '${encoding}' is not supported (use gzip, deflate, br or none).`, { encoding });
  }

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let wire = 0;
    let size = 0;
    let done = false;
    const finish = (e: unknown, body?: Buffer) => {
      if (done) return;
      done = true;
      if (e) {
        req.unpipe();
        decoder?.destroy();
        req.resume(); // drain, so the 413 can still be written on this connection
        reject(e);
      } else resolve(body!);
    };
    const collect = (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) return finish(tooLarge(maxBytes));
      chunks.push(c);
    };
    req.on("data", (c: Buffer) => {
      wire += c.length;
      if (wire > maxBytes) finish(tooLarge(maxBytes));
    });
    req.on("error", (e) => finish(e));
    if (decoder) {
      decoder.on("data", collect);
      decoder.on("error", () => finish(new AppError("INVALID_INPUT", `The body is not valid ${encoding} data.`)));
      decoder.on("end", () => finish(null, Buffer.concat(chunks)));
      req.pipe(decoder);
    } else {
      req.on("data", collect);
      req.on("end", () => finish(null, Buffer.concat(chunks)));
    }
  });
}

function tooLarge(maxBytes: number) {
  return new AppError("PAYLOAD_TOO_LARGE", `The request body is larger than the limit of ${maxBytes} bytes.`, { limitBytes: maxBytes });
}
