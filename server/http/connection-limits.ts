import type { Server } from "node:http";
import type { Duplex } from "node:stream";
import { errorCodeInfo, type TErrorCode } from "../errors.ts";

export interface TConnectionLimits {
  /** The whole request — headers and body — must arrive within this; then 408 REQUEST_TIMEOUT and the socket closes. */
  requestTimeoutMs: number;
  /** The request headers must arrive within this (slowloris). */
  headersTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: TConnectionLimits = { requestTimeoutMs: 300_000, headersTimeoutMs: 20_000 };

/**
 * A client that sends its headers or body slowly (a byte now and then) gets a 408 problem+json and a closed
 * socket once the deadline passes, instead of holding a connection and a handler forever. Node checks the
 * deadlines every `connectionsCheckingInterval`; it is set to a tenth of the shortest one so a refusal comes
 * at most ~10 % late. Malformed HTTP gets a 400 problem+json. Call before `listen`.
 */
export function applyConnectionLimits(server: Server, limits: TConnectionLimits = DEFAULT_CONNECTION_LIMITS): Server {
  server.requestTimeout = limits.requestTimeoutMs;
  server.headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  // Read when the server starts listening (a public option of http.createServer, missing from @types/node 20).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(50, Math.min(30_000, Math.floor(server.headersTimeout / 10)));
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    const message = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === "ECONNRESET" || !socket.writable || message?.headersSent) return void socket.destroy();
    if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") {
      return endWithProblem(socket, "REQUEST_TIMEOUT", `The request did not arrive within ${Math.round(limits.requestTimeoutMs / 1000)} s (headers within ${Math.round(server.headersTimeout / 1000)} s).`);
    }
    if (err.code === "HPE_HEADER_OVERFLOW") return endWithProblem(socket, "INVALID_INPUT", "The request headers are too large.", 431);
    return endWithProblem(socket, "INVALID_INPUT", "Malformed HTTP request.");
  });
  return server;
}

function endWithProblem(socket: Duplex, code: TErrorCode, detail: string, status: number = errorCodeInfo(code).status): void {
  const body = JSON.stringify({ type: `https://inferline.dev/problems/${code.toLowerCase().replaceAll("_", "-")}`, title: errorCodeInfo(code).title, status, detail, code });
  const reason = status === 408 ? "Request Timeout" : status === 431 ? "Request Header Fields Too Large" : "Bad Request";
  // Closed once written: the rest of a slow body is never read.
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`, () => socket.destroy());
}
