import type { ServerResponse } from "node:http";
import { errorCodeInfo, type TErrorCode } from "../errors.ts";

/** RFC 9457 problem details. `code` is Inferline's stable error code. */
export function sendProblem(res: ServerResponse, code: TErrorCode, detail: string, extra: Record<string, unknown> = {}, status = errorCodeInfo(code).status): void {
  const body = JSON.stringify({
    type: `https://inferline.dev/problems/${code.toLowerCase().replaceAll("_", "-")}`,
    title: errorCodeInfo(code).title,
    status,
    detail,
    code,
    ...extra,
  });
  res.writeHead(status, { "content-type": "application/problem+json", "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
  res.end(body);
}
