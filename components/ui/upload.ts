/**
 * A raw-body file upload with progress (XMLHttpRequest: fetch has no upload progress). The body arrives parsed
 * (problem+json on errors: `detail`/`title`); the returned request can be aborted.
 */
export interface TUploadHandlers<TBody> {
  onProgress: (fraction: number) => void;
  /** Any HTTP answer: the status and the JSON body ({} when it was not JSON). */
  onAnswer: (status: number, body: TBody & { detail?: string; title?: string }) => void;
  /** The server could not be reached, or the upload was aborted (`aborted`). */
  onFailure: (aborted: boolean) => void;
}

export function uploadFile<TBody extends object>(url: string, file: Blob, h: TUploadHandlers<TBody>): XMLHttpRequest {
  const xhr = new XMLHttpRequest();
  xhr.open("POST", url);
  xhr.setRequestHeader("Content-Type", "application/octet-stream");
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) h.onProgress(e.loaded / e.total);
  };
  xhr.onerror = () => h.onFailure(false);
  xhr.onabort = () => h.onFailure(true);
  xhr.onload = () => {
    let body = {} as TBody & { detail?: string; title?: string };
    try {
      body = JSON.parse(xhr.responseText) as typeof body;
    } catch {
      // not JSON: the status says what happened
    }
    h.onAnswer(xhr.status, body);
  };
  xhr.send(file);
  return xhr;
}

/** The message for a failed upload's answer. */
export function uploadError(status: number, body: { detail?: string; title?: string }): string {
  return body.detail ?? body.title ?? `The upload failed (HTTP ${status}).`;
}
