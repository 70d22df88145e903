import type { IncomingMessage } from "node:http";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { PassThrough, type Readable, type Transform } from "node:stream";
import { AppError } from "../../errors.ts";

/**
 * Reads a request body, decompressing gzip/deflate/br, and refuses it with 413 as soon as either the
 * bytes on the wire or the decompressed bytes pass `maxBytes` (a zip bomb is stopped while streaming).
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const decoder = contentDecoder(req);

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
      decoder.on("error", () => finish(new AppError("INVALID_INPUT", `The body is not valid ${contentEncoding(req)} data.`)));
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

function contentEncoding(req: IncomingMessage): string {
  return (req.headers["content-encoding"] ?? "identity").toLowerCase().trim();
}

/** The decompressor for the request's Content-Encoding (null: identity); another encoding is refused with 415. */
export function contentDecoder(req: IncomingMessage): Transform | null {
  const encoding = contentEncoding(req);
  switch (encoding) {
    case "identity":
      return null;
    case "gzip":
    case "x-gzip":
      return createGunzip();
    case "deflate":
      return createInflate();
    case "br":
      return createBrotliDecompress();
    default:
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Content-Encoding '${encoding}' is not supported (use gzip, deflate, br or none).`, { encoding });
  }
}

/**
 * Hands `consume` the request body as a stream, decompressed when sent with Content-Encoding: for consumers that
 * count what they read (model and dataset uploads), so their limits count decompressed bytes and a bomb is refused
 * while it inflates. Corrupt compressed data fails the stream with `invalid(encoding)`. Once `consume` settles,
 * decompression stops (a refusal inflates nothing more) and the request is unpiped: the caller may drain it.
 */
export async function withDecodedBody<T>(req: IncomingMessage, invalid: (encoding: string) => AppError, consume: (body: Readable) => Promise<T>): Promise<T> {
  const decoder = contentDecoder(req);
  if (!decoder) return consume(req);
  const body = new PassThrough();
  decoder.on("error", () => body.destroy(invalid(contentEncoding(req))));
  req.pipe(decoder).pipe(body);
  try {
    return await consume(body);
  } finally {
    req.unpipe(decoder);
    decoder.destroy();
    body.destroy();
  }
}
