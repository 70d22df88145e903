/**
 * Engine errors carry a stable code and, where it applies, the node and port they concern. The service
 * layer maps them to AppError / HTTP (422 for node failures, 400 for bad inputs, 504 for timeouts).
 */
export type TEngineErrorCode =
  | "INVALID_PIPELINE" // the graph does not compile
  | "INVALID_INPUT" // a pipeline input is missing or has the wrong kind/dtype/shape
  | "NODE_FAILED" // a node threw while executing
  | "RUN_TIMEOUT"
  | "RUN_CANCELLED";

export class EngineError extends Error {
  readonly code: TEngineErrorCode;
  readonly nodeId: string | undefined;
  readonly port: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: TEngineErrorCode, message: string, opts: { nodeId?: string; port?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = "EngineError";
    this.code = code;
    this.nodeId = opts.nodeId;
    this.port = opts.port;
    this.details = opts.details;
  }
}

/** Thrown by a node's execute for bad values it received (wrong dtype at run time, NaN where not allowed…). */
export class NodeInputError extends Error {
  readonly port: string | undefined;
  constructor(message: string, port?: string) {
    super(message);
    this.name = "NodeInputError";
    this.port = port;
  }
}

/**
 * Codes for bad data a node can name precisely (a corrupt image, an unsupported WAV encoding, text over the
 * model's length). The run still fails with NODE_FAILED on the node and port; the code travels as
 * `details.reason`, so API callers can tell "your file is broken" from "the pipeline is broken".
 */
export type TNodeErrorCode =
  | "IMAGE_CORRUPT"
  | "IMAGE_UNSUPPORTED"
  | "IMAGE_EMPTY"
  | "IMAGE_TOO_LARGE"
  | "AUDIO_CORRUPT"
  | "AUDIO_UNSUPPORTED"
  | "AUDIO_EMPTY"
  | "AUDIO_TOO_LONG"
  | "SAMPLE_RATE_MISMATCH"
  | "TEXT_TOO_LONG"
  | "DIVISION_BY_ZERO" // integer division by zero (tensor/arithmetic); floats follow IEEE 754 instead
  | "ASSET_INVALID";

export class CodedNodeError extends NodeInputError {
  readonly code: TNodeErrorCode;
  constructor(code: TNodeErrorCode, message: string, port?: string) {
    super(message, port);
    this.name = "CodedNodeError";
    this.code = code;
  }
}
