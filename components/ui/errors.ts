import { appErrorData } from "@/components/trpc/client";

export interface TIssue {
  path: string;
  message: string;
}

export interface TErrorInfo {
  /** The server's stable app code (e.g. SLUG_TAKEN); undefined when the server was not reached. */
  code: string | undefined;
  /** A sentence fit to show. */
  message: string;
  details: Record<string, unknown> | undefined;
  /** details.issues, when the error lists them (INVALID_INPUT, INVALID_GRAPH). */
  issues: TIssue[];
}

const UNREACHABLE = "Could not reach the Inferline server. Check your connection and try again.";

function isIssue(x: unknown): x is TIssue {
  return typeof x === "object" && x !== null && typeof (x as TIssue).path === "string" && typeof (x as TIssue).message === "string";
}

/** Normalises anything a tRPC call can throw into what the UI shows. */
export function errorInfo(error: unknown): TErrorInfo {
  const data = appErrorData(error);
  const rawIssues = data?.details?.issues;
  const issues = Array.isArray(rawIssues) ? rawIssues.filter(isIssue) : [];
  if (!data?.appCode) return { code: undefined, message: UNREACHABLE, details: undefined, issues };
  const message = error instanceof Error && error.message ? error.message : "Something went wrong.";
  return { code: data.appCode, message, details: data.details, issues };
}

export function errorCode(error: unknown): string | undefined {
  return appErrorData(error)?.appCode;
}

/**
 * Splits an error into per-field messages and a form-level message: app codes listed in `codeField`
 * go to that field; INVALID_INPUT issues go to the field named by their path's first segment.
 */
export function splitErrors<F extends string>(
  error: unknown,
  fields: readonly F[],
  codeField: Partial<Record<string, F>> = {},
): { fields: Partial<Record<F, string>>; form: string | undefined } {
  if (!error) return { fields: {}, form: undefined };
  const info = errorInfo(error);
  const out: Partial<Record<F, string>> = {};
  const target = info.code ? codeField[info.code] : undefined;
  if (target) {
    out[target] = info.message;
    return { fields: out, form: undefined };
  }
  if (info.code === "INVALID_INPUT" && info.issues.length > 0) {
    const rest: string[] = [];
    for (const issue of info.issues) {
      const head = issue.path.split(".")[0] as F;
      if (fields.includes(head) && out[head] === undefined) out[head] = issue.message;
      else rest.push(issue.message);
    }
    return { fields: out, form: rest.length ? rest.join(" ") : undefined };
  }
  return { fields: out, form: info.message };
}
