import { getViewportForBounds, type Viewport } from "@xyflow/react";
import type { TFlowNode } from "./types";

/**
 * The viewport that shows every node, from positions and (measured or typical) sizes. Used instead of
 * React Flow's fitView for the first fit, which fits whatever nodes happen to be measured at that moment
 * (often just one).
 */
export function viewportFor(nodes: readonly TFlowNode[], container: HTMLElement | null): Viewport | null {
  if (!nodes.length || !container) return null;
  const { width, height } = container.getBoundingClientRect();
  if (!width || !height) return null;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const n of nodes) {
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
    maxX = Math.max(maxX, n.position.x + (n.measured?.width ?? 240));
    maxY = Math.max(maxY, n.position.y + (n.measured?.height ?? 140));
  }
  return getViewportForBounds({ x: minX, y: minY, width: maxX - minX, height: maxY - minY }, width, height, 0.1, 1.1, 0.12);
}
