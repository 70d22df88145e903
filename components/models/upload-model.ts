/** Client side of `POST /api/models` (server/http/model-upload.ts): raw bytes, session cookie, problem+json errors. */

/** Same rule as the server (services/models/find-model.ts), checked here only to help while typing. */
export const MODEL_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/;

/** "ResNet50 v1.onnx" → "resnet50-v1": a valid model name suggested from a file name. */
export function suggestModelName(fileName: string): string {
  return fileName
    .replace(/\.onnx$/i, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "")
    .slice(0, 64)
    .replace(/[^a-z0-9]+$/g, "");
}

export interface TUploadProblem {
  status: number;
  code: string;
  title: string;
  detail: string;
}

export interface TUploadResult {
  created: boolean;
  name: string;
  version: { number: number; sizeBytes: number; sha256: string };
}

/** What to do about each refusal, beyond the server's own sentence. */
export const UPLOAD_HINTS: Record<string, string> = {
  MODEL_INVALID: "Inferline could not read this file as an ONNX model. Export it again (torch.onnx.export, tf2onnx, skl2onnx…) and check it with onnx.checker.check_model.",
  MODEL_EXTERNAL_DATA:
    "The model keeps its weights in separate files, which cannot be uploaded. Save it as one file: onnx.save_model(model, path, save_as_external_data=False) — possible below 2 GB.",
  MODEL_UNSUPPORTED_TYPE:
    "An input or output has a type pipelines cannot exchange (sequences, maps, bfloat16, int4…). Re-export the model with plain tensor inputs and outputs.",
  MODEL_TOO_LARGE: "The file is over this server's size limit (MODEL_MAX_BYTES, 1 GiB by default).",
};

/**
 * Uploads with XMLHttpRequest rather than fetch: only XHR reports upload progress. Resolves with the
 * server's answer; rejects with a TUploadProblem (the problem+json, or one made up for network failures).
 */
export function uploadModelFile(
  file: Blob,
  opts: { name: string; description?: string; onProgress: (loaded: number, total: number) => void; onSent: () => void; signal: AbortSignal },
): Promise<TUploadResult> {
  return new Promise((resolve, reject) => {
    const params = new URLSearchParams({ name: opts.name });
    if (opts.description?.trim()) params.set("description", opts.description.trim());
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/models?${params.toString()}`);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.withCredentials = true;
    // Listeners on xhr.upload must exist before send(), or Chromium skips the progress events.
    xhr.upload.onprogress = (e) => opts.onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.upload.onload = () => {
      opts.onProgress(file.size, file.size);
      opts.onSent();
    };
    xhr.onload = () => {
      const body = parseJson(xhr.responseText);
      if (xhr.status === 200 || xhr.status === 201) return resolve(body as TUploadResult);
      const p = (body ?? {}) as Partial<TUploadProblem>;
      reject({
        status: xhr.status,
        code: typeof p.code === "string" ? p.code : `HTTP_${xhr.status}`,
        title: typeof p.title === "string" ? p.title : `The server answered ${xhr.status}`,
        detail: typeof p.detail === "string" ? p.detail : xhr.statusText || "The upload was refused.",
      } satisfies TUploadProblem);
    };
    xhr.onerror = () =>
      reject({
        status: 0,
        code: "NETWORK",
        title: "The upload did not reach the end",
        detail: "The connection closed before the server answered. The file may be over the server's size limit, or the server is unreachable.",
      } satisfies TUploadProblem);
    xhr.onabort = () => reject({ status: 0, code: "ABORTED", title: "Upload cancelled", detail: "Nothing was stored." } satisfies TUploadProblem);
    opts.signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
