import { expect } from "vitest";

export interface TProblem {
  code: string;
  status: number;
  type: string;
  title: string;
  detail: string;
  details?: Record<string, unknown>;
}

/** Asserts an RFC 9457 problem+json answer with this status and Inferline code; returns its body. */
export async function expectProblem(res: Response, status: number, code: string): Promise<TProblem> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const p = (await res.json()) as TProblem;
  expect(p).toMatchObject({ code, status, type: `https://inferline.dev/problems/${code.toLowerCase().replaceAll("_", "-")}` });
  return p;
}
