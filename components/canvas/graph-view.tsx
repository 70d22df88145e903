"use client";

import { useQuery } from "@tanstack/react-query";
import { applyNodeChanges, Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useReactFlow } from "@xyflow/react";
import { useEffect, useMemo, useRef, useState } from "react";
import { useTRPCClient } from "@/components/trpc/client";
import { edgeKey, type TGraphDiff } from "./diff";
import { applyValidation, createEditorStores, EditorContext, emptyValidation, useEditorContext as useEditorContextSafe, type TEditorContext } from "./editor-context";
import { stableJson, toFlow } from "./graph-doc";
import { viewportFor } from "./fit";
import { kindColor } from "./kinds";
import { nodeTypes } from "./pipeline-node";
import { useStore } from "./store";
import type { TCatalogEntry, TFlowEdge, TFlowNode, TGraph, TLayout, TTraceEntry } from "./types";

/** Ports for a graph we only show: one compile, cached by content. */
function useGraphPorts(graph: TGraph) {
  const client = useTRPCClient();
  const key = stableJson(graph);
  return useQuery({ queryKey: ["graph-ports", key], queryFn: () => client.pipelines.validate.mutate({ graph }), staleTime: Infinity });
}

/**
 * A read-only canvas: a version as it was committed, or a diff — graph `b` with what was added and
 * changed highlighted, and what `a` had that `b` removed drawn as ghosts where `a` had them. With a recorded
 * `trace` (a replayed call), each node shows how it ran then: status, time, error.
 */
export function GraphView({
  catalog,
  graph,
  layout,
  diff,
  base,
  trace,
}: {
  catalog: ReadonlyMap<string, TCatalogEntry>;
  graph: TGraph;
  layout: TLayout | undefined;
  diff?: TGraphDiff;
  base?: { graph: TGraph; layout: TLayout | undefined };
  trace?: TTraceEntry[] | undefined;
}) {
  const [stores] = useState(createEditorStores);
  const ctx = useMemo<TEditorContext>(() => ({ catalog, ...stores, readOnly: true }), [catalog, stores]);
  const ports = useGraphPorts(graph);
  const basePorts = useGraphPorts(base?.graph ?? { schemaVersion: 1, nodes: [], edges: [] });

  useEffect(() => {
    stores.run.set(trace ? { ...stores.run.get(), byNode: Object.fromEntries(trace.map((t) => [t.nodeId, t])) } : { ...stores.run.get(), byNode: {} });
  }, [trace, stores]);

  useEffect(() => {
    if (!ports.data) return;
    let merged = applyValidation(emptyValidation, ports.data);
    if (basePorts.data) merged = { ...merged, ports: { ...basePorts.data.ports, ...merged.ports } };
    stores.validation.set(merged);
  }, [ports.data, basePorts.data, stores]);

  const { nodes, edges } = useMemo(() => {
    const flow = toFlow(graph, layout);
    if (!diff || !base) return flow;
    const added = new Set(diff.added.map((n) => n.id));
    const changed = new Set(diff.changed.map((c) => c.id));
    const nodes: TFlowNode[] = flow.nodes.map((n) => ({ ...n, data: { ...n.data, diff: added.has(n.id) ? "added" : changed.has(n.id) ? "changed" : undefined } }));
    const removedFlow = toFlow({ schemaVersion: 1, nodes: diff.removed, edges: [] }, base.layout);
    for (const n of removedFlow.nodes) nodes.push({ ...n, id: nodes.some((x) => x.id === n.id) ? `${n.id}~removed` : n.id, data: { ...n.data, diff: "removed" } });
    const addedEdges = new Set(diff.edgesAdded.map(edgeKey));
    const edges: TFlowEdge[] = flow.edges.map((e) => {
      const k = `${e.source}.${e.sourceHandle}→${e.target}.${e.targetHandle}`;
      return addedEdges.has(k) ? { ...e, className: "edge-added", animated: true } : e;
    });
    diff.edgesRemoved.forEach((e, i) => edges.push({ id: `removed-${i}`, source: e.source.node, sourceHandle: e.source.port, target: e.target.node, targetHandle: e.target.port, className: "edge-removed" }));
    return { nodes, edges };
  }, [graph, layout, diff, base]);

  return (
    <EditorContext.Provider value={ctx}>
      <ReactFlowProvider>
        <ReadOnlyFlow nodes={nodes} edges={edges} ready={!!ports.data} />
      </ReactFlowProvider>
    </EditorContext.Provider>
  );
}

function ReadOnlyFlow({ nodes, edges, ready }: { nodes: TFlowNode[]; edges: TFlowEdge[]; ready: boolean }) {
  const { validation } = useEditorContextSafe();
  const flow = useReactFlow();
  // Controlled for measurements only: React Flow writes node sizes back (the minimap and fitView need them).
  const [shown, setShown] = useState(nodes);
  const [source, setSource] = useState(nodes);
  if (source !== nodes) {
    setSource(nodes);
    setShown(nodes);
  }
  const ports = useStore(validation, (s) => s.ports);
  const coloured = useMemo(() => edges.map((e) => (e.className ? e : { ...e, style: { stroke: kindColor(ports[e.source]?.outputs[e.sourceHandle ?? ""]), strokeWidth: 2 } })), [edges, ports]);
  const fitted = useRef(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ready || fitted.current) return;
    fitted.current = true;
    // Once the ports are known the nodes have their final size: fit then.
    const t = setTimeout(() => {
      const v = viewportFor(nodes, box.current);
      if (v) void flow.setViewport(v);
    }, 60);
    return () => clearTimeout(t);
  }, [ready, flow, nodes]);
  return (
    <div ref={box} className="readonly-flow">
    <ReactFlow
      nodes={shown}
      edges={coloured}
      nodeTypes={nodeTypes}
      onNodesChange={(c) => setShown((ns) => applyNodeChanges(c, ns))}
      nodesDraggable={false}
      nodesConnectable={false}
      elementsSelectable={false}
      deleteKeyCode={null}
      minZoom={0.1}
      proOptions={{ hideAttribution: true }}
    >
      <Background gap={20} size={1} />
      <Controls showInteractive={false} />
      <MiniMap pannable zoomable className="minimap" />
    </ReactFlow>
    </div>
  );
}
