export class ProtoError extends Error {}

export type TProtoType =
  | { kind: "tensor"; elemType: number; shape: (number | string | null)[] | null }
  | { kind: "sequence" | "map" | "opaque" | "sparse_tensor" | "optional" | "unknown" };

export interface TProtoValueInfo {
  name: string;
  type: TProtoType;
}

export interface TModelProtoSummary {
  irVersion: number | null;
  producer: string | null;
  /** Version of the default operator set ("" or "ai.onnx"). */
  opset: number | null;
  hasGraph: boolean;
  /** The main graph's declared inputs and outputs (inputs may include initializers in IR < 4). */
  inputs: TProtoValueInfo[];
  outputs: TProtoValueInfo[];
  initializerNames: string[];
  /** Where each tensor that keeps its bytes in another file sits ("node 'x' › subgraph › w"). */
  externalTensors: string[];
}

/** Throws ProtoError when the bytes are not a well-formed protobuf message. */
export function readModelProto(buf: Uint8Array): TModelProtoSummary;
