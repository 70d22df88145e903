/**
 * The one runtime import from server/ besides the tRPC glue: the framework-free kind rules, so the canvas
 * refuses exactly what the compiler would refuse, synchronously while a connection is being dragged.
 */
export { checkCompatible, formatKind } from "@/server/engine/types/kinds.ts";
import type { TKind } from "./types";

/** One colour per kind family (tensors by dtype family), used by ports and edges. */
export function kindColor(kind: TKind | undefined): string {
  if (!kind) return "#98a2b3";
  switch (kind.kind) {
    case "tensor":
      if (kind.dtype === "any") return "#7c3aed";
      if (kind.dtype.startsWith("float")) return "#4f46e5";
      if (kind.dtype === "string") return "#c026d3";
      if (kind.dtype === "bool") return "#0d9488";
      return "#2563eb";
    case "number":
    case "integer":
      return "#0891b2";
    case "string":
      return "#db2777";
    case "boolean":
      return "#0d9488";
    case "json":
      return "#d97706";
    case "image":
      return "#16a34a";
    case "list":
      return kindColor(kind.of);
    default:
      return "#667085";
  }
}
