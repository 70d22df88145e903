import type { IncomingMessage, ServerResponse } from "node:http";
import { TRPCError } from "@trpc/server";
import { expect } from "vitest";
import { createContextFromNode } from "@/server/api/context.ts";
import { appRouter } from "@/server/api/root.ts";
import { createCallerFactory, describeError } from "@/server/api/trpc.ts";
import type { TPrisma } from "@/server/db/client.ts";
import type { BatchQueue } from "@/server/services/batches/job-queue.ts";
import type { TEngineDeps } from "@/server/services/runs/engine-deps.ts";
import { testEngine } from "./engine.ts";

const createCaller = createCallerFactory(appRouter);
export const SESSION_CONFIG = { secret: "test-secret-0123456789", ttlDays: 14 };

/**
 * A browser-like client of the tRPC API: it keeps the session cookie the server sets, and every call
 * goes through the same context creation as HTTP requests (cookie → session → user).
 */
export class TestClient {
  #cookie: string | undefined;
  /** Set-Cookie headers the server sent, applied before the cookie is next read (like a browser). */
  readonly #pending: string[] = [];
  constructor(
    private readonly db: TPrisma,
    private readonly engine: TEngineDeps = testEngine(),
    private readonly servingChanged?: () => void,
    private readonly batches?: BatchQueue,
  ) {}

  get cookie(): string | undefined {
    for (const c of this.#pending.splice(0)) {
      const [pair] = c.split(";");
      const value = pair?.slice(pair.indexOf("=") + 1) ?? "";
      this.#cookie = value ? `inferline_session=${value}` : undefined;
    }
    return this.#cookie;
  }
  set cookie(value: string | undefined) {
    this.#pending.length = 0;
    this.#cookie = value;
  }

  /** A tRPC caller for the next call(s), built like an HTTP request's context (cookie → session → user). */
  async api() {
    const cookie = this.cookie;
    const req = { headers: cookie ? { cookie } : {} } as IncomingMessage;
    const res = { appendHeader: (_name: string, value: string) => this.#pending.push(value) } as unknown as ServerResponse;
    return createCaller(await createContextFromNode({ db: this.db, sessionConfig: SESSION_CONFIG, secureCookies: false, engine: this.engine, ...(this.servingChanged ? { servingChanged: this.servingChanged } : {}), ...(this.batches ? { batches: this.batches } : {}) }, req, res));
  }
}

/** Asserts a call fails with this Inferline error code; returns the error for further checks. */
export async function expectAppError(promise: Promise<unknown>, appCode: string): Promise<TRPCError> {
  const err = await promise.then(
    () => {
      throw new Error(`expected ${appCode}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCError);
  const e = err as TRPCError;
  expect(describeError(e).appCode, e.message).toBe(appCode);
  return e;
}
