"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import {
  addEdge,
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  ControlButton,
  Controls,
  MiniMap,
  Panel,
  ReactFlow,
  ReactFlowProvider,
  useConnection,
  useReactFlow,
  ViewportPortal,
  type Connection,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type NodeChange,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { Fragment, useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type RefObject } from "react";
import { useTRPC, useTRPCClient } from "@/components/trpc/client";
import { Alert } from "@/components/ui/alert";
import { errorCode, errorInfo } from "@/components/ui/errors";
import { formatDateTime } from "@/components/ui/format";
import { LoadingBlock } from "@/components/ui/states";
import { autoLayout } from "./auto-layout";
import { CommitDialog, ConflictDialog, ImportDialog, RestoreDialog, type TImportCandidate } from "./dialogs";
import { viewportFor } from "./fit";
import { DiffPanel, refLabel, useGraphDiff, type TGraphRef } from "./diff-panel";
import { applyValidation, createEditorStores, EditorContext, emptyRun, emptyValidation, type TEditorContext } from "./editor-context";
import { baseName, graphFromFlow, graphKeyOf, initialParams, instantiateClipboard, layoutFromFlow, parseClipboard, pathBetween, stableJson, toClipboard, toFlow, uniqueEdgeId, uniqueId } from "./graph-doc";
import { GraphView } from "./graph-view";
import { Inspector } from "./inspector";
import { checkCompatible, kindColor } from "./kinds";
import { DRAG_MIME, Palette } from "./palette";
import { nodeTypes } from "./pipeline-node";
import { resolvePorts } from "./ports";
import { ProblemsPanel } from "./problems-panel";
import { recordedTrace, type TReplay } from "./replay";
import { RunPanel, type TRunInput } from "./run-panel";
import { createStore, useStore } from "./store";
import { closeInto, composeLayout, composeRoot, hasSubGraph, levelTitle, openSubGraph, pathPrefix, starterSubGraph, subLayoutsOf, subRunAt, type TLevel, type TSubRun } from "./sub-graph";
import type { TCatalogEntry, TFlowEdge, TFlowNode, TGraph, TJsonValue, TKind, TLayout, TParams } from "./types";
import { VersionsSide } from "./versions-side";

export interface TEditorHandle {
  /** Saves pending changes now; false when they could not be saved (conflict, error). */
  flush(): Promise<boolean>;
}

interface TDraft {
  graph: unknown;
  layout: unknown;
  revision: number;
  updatedAt: string | Date;
  updatedBy?: string | null;
}

type TSaveState = "saved" | "pending" | "saving" | "error" | "conflict";
type TSideTab = "inspect" | "run" | "versions" | "diff";
type TOverlay = { kind: "version"; number: number } | { kind: "diff" } | null;

interface TConflict {
  currentRevision: number | undefined;
  updatedBy: string | undefined;
  updatedAt: string | undefined;
}

/** The canvas (one level) and what is needed to compose the whole document from it. */
interface TSnapshot {
  nodes: TFlowNode[];
  edges: TFlowEdge[];
  /** The levels above the canvas when a sub-graph is open; empty at the pipeline itself. */
  levels: TLevel[];
  /** Positions of the nodes of closed sub-graphs, by path key. */
  subLayouts: TLayout["nodes"];
}

const FIT_VIEW = { padding: 0.15, duration: 300, maxZoom: 1.2 };
// Props of <ReactFlow> as constants: see flowEvents in EditorCanvas for why identities matter.
const DELETE_KEYS = ["Backspace", "Delete"];
const MULTI_SELECT_KEYS = ["Meta", "Control", "Shift"];
const DEFAULT_VIEWPORT = { x: 40, y: 40, zoom: 1 };
const DEFAULT_EDGE_OPTIONS = { type: "default" };
const PRO_OPTIONS = { hideAttribution: true };

const minimapColor = (n: TFlowNode) => (n.data.type.startsWith("io/") ? "#98a2b3" : n.data.type.startsWith("model/") ? "#4f46e5" : "#c7d2fe");

const MISMATCH_TITLES: Record<string, string> = { KIND_MISMATCH: "Kind mismatch", DTYPE_MISMATCH: "Dtype mismatch", SHAPE_MISMATCH: "Shape mismatch" };

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT";
}

/**
 * The document a canvas snapshot stands for — the pipeline's graph with any open sub-graph folded into its
 * node, and the whole layout — and what "unchanged since the last save" compares (`key`).
 */
function docOf(s: TSnapshot): { graphKey: string; layout: TLayout; key: string } {
  const root = s.levels.length ? composeRoot(s.levels, s.nodes, s.edges) : s;
  const graphKey = graphKeyOf(root.nodes, root.edges);
  const layout = s.levels.length || Object.keys(s.subLayouts).length ? composeLayout(root.nodes, s.levels, s.nodes, s.subLayouts) : layoutFromFlow(root.nodes);
  return { graphKey, layout, key: `${graphKey}\n${stableJson(layout)}` };
}

/** The pipeline editor: loads the catalogue and the draft, then mounts the canvas. */
export function PipelineEditor({
  slug,
  readOnly,
  readOnlyReason,
  handleRef,
  replayId,
  onCloseReplay,
}: {
  slug: string;
  readOnly: boolean;
  readOnlyReason?: string | undefined;
  handleRef: RefObject<TEditorHandle | null>;
  /** A logged invocation to replay: the editor opens at its version with its inputs in the test panel. */
  replayId?: string | undefined;
  onCloseReplay?: (() => void) | undefined;
}) {
  const trpc = useTRPC();
  const catalog = useQuery({ ...trpc.nodes.catalog.queryOptions(), staleTime: Infinity });
  const draft = useQuery({ ...trpc.drafts.get.queryOptions({ slug }), staleTime: 0, refetchOnWindowFocus: false });
  const replay = useQuery({ ...trpc.invocations.get.queryOptions({ id: replayId ?? "" }), enabled: !!replayId, staleTime: Infinity });
  const [generation, setGeneration] = useState(0);

  if (catalog.isPending || draft.isPending || (replayId && replay.isPending)) return <LoadingBlock label="Loading the editor…" />;
  if (catalog.isError || draft.isError) {
    return (
      <Alert tone="error" title="Could not load the editor">
        {errorInfo(catalog.error ?? draft.error).message}
      </Alert>
    );
  }
  const replayError = replayId ? (replay.isError ? errorInfo(replay.error).message : replay.data && replay.data.pipeline.slug !== slug ? "That call was made to another pipeline." : null) : null;
  return (
    <ReactFlowProvider key={generation}>
      {replayError ? (
        <Alert tone="error" title="Could not replay that call">
          {replayError}
        </Alert>
      ) : null}
      <EditorCanvas
        slug={slug}
        catalogList={catalog.data}
        initial={draft.data as TDraft}
        readOnly={readOnly}
        readOnlyReason={readOnlyReason}
        handleRef={handleRef}
        onReloaded={() => setGeneration((g) => g + 1)}
        replay={replayId && !replayError ? replay.data : undefined}
        onCloseReplay={onCloseReplay}
      />
    </ReactFlowProvider>
  );
}

function EditorCanvas({
  slug,
  catalogList,
  initial,
  readOnly,
  readOnlyReason,
  handleRef,
  onReloaded,
  replay,
  onCloseReplay,
}: {
  slug: string;
  catalogList: TCatalogEntry[];
  initial: TDraft;
  readOnly: boolean;
  readOnlyReason: string | undefined;
  handleRef: RefObject<TEditorHandle | null>;
  onReloaded: () => void;
  replay: TReplay | undefined;
  onCloseReplay: (() => void) | undefined;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const flow = useReactFlow<TFlowNode, TFlowEdge>();
  const catalog = useMemo(() => new Map(catalogList.map((e) => [e.type, e])), [catalogList]);
  const [stores] = useState(createEditorStores);
  // The canvas reads run results through its own store: at the pipeline it is the run's, inside a sub-graph
  // the chosen element's inner trace. The test panel works on the pipeline's run (rootCtx).
  const [viewRun] = useState(() => createStore(emptyRun));
  const ctx = useMemo<TEditorContext>(() => ({ catalog, validation: stores.validation, run: viewRun, readOnly }), [catalog, stores, viewRun, readOnly]);
  const rootCtx = useMemo<TEditorContext>(() => ({ catalog, ...stores, readOnly }), [catalog, stores, readOnly]);

  const [start] = useState(() => {
    const g = initial.graph as TGraph;
    const layout = initial.layout as TLayout | undefined;
    const f = toFlow(g, layout);
    // A graph without positions (e.g. written as JSON) is laid out once.
    const missing = g.nodes.some((n) => !layout?.nodes?.[n.id]);
    if (missing && f.nodes.length) {
      const pos = autoLayout(f.nodes, f.edges);
      f.nodes = f.nodes.map((n) => ({ ...n, position: pos.get(n.id) ?? n.position }));
    }
    const subLayouts = subLayoutsOf(layout);
    return { ...f, subLayouts, key: docOf({ ...f, levels: [], subLayouts }).key };
  });
  const [nodes, setNodes] = useState<TFlowNode[]>(start.nodes);
  const [edges, setEdges] = useState<TFlowEdge[]>(start.edges);
  const [levels, setLevels] = useState<TLevel[]>([]);
  const [subLayouts, setSubLayouts] = useState<TLayout["nodes"]>(start.subLayouts);
  const latest = useRef<TSnapshot>({ nodes: start.nodes, edges: start.edges, levels: [], subLayouts: start.subLayouts });
  useEffect(() => {
    latest.current = { nodes, edges, levels, subLayouts };
  }, [nodes, edges, levels, subLayouts]);

  // ---- draft revision, autosave, conflicts ----------------------------------------------------
  const [base, setBase] = useState({ revision: initial.revision, updatedAt: initial.updatedAt, key: start.key });
  const baseRef = useRef(base);
  const [saveState, setSaveState] = useState<TSaveState>("saved");
  const [saveError, setSaveError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<TConflict | null>(null);
  const conflictRef = useRef<TConflict | null>(null);
  const saving = useRef<Promise<boolean> | null>(null);
  const [reviewing, setReviewing] = useState(false);

  const doc = useMemo(() => docOf({ nodes, edges, levels, subLayouts }), [nodes, edges, levels, subLayouts]);
  const docKey = doc.key;
  // Moving, measuring or selecting nodes changes `nodes` but not the graph: keyed by its content, the graph
  // (and validation, run inputs, model refs) stays the same object then. `graph` is the level on the canvas
  // (validated, inspected), `rootGraph` the pipeline (saved, run, diffed, exported).
  const graphKey = useMemo(() => graphKeyOf(nodes, edges), [nodes, edges]);
  const graph = useMemo(() => JSON.parse(graphKey) as TGraph, [graphKey]);
  const rootGraphKey = doc.graphKey;
  const rootGraph = useMemo(() => (rootGraphKey === graphKey ? graph : (JSON.parse(rootGraphKey) as TGraph)), [rootGraphKey, graphKey, graph]);
  const dirty = docKey !== base.key;

  const markSaved = useCallback(
    (revision: number, updatedAt: string | Date, key: string) => {
      const next = { revision, updatedAt, key };
      baseRef.current = next;
      setBase(next);
      void qc.invalidateQueries(trpc.drafts.get.queryFilter({ slug }));
      void qc.invalidateQueries(trpc.pipelines.get.queryFilter({ slug }));
    },
    [qc, trpc, slug],
  );

  const save = useCallback(
    async (opts: { overwrite?: number } = {}): Promise<boolean> => {
      if (readOnly) return true;
      while (saving.current) await saving.current;
      const d = docOf(latest.current);
      const key = d.key;
      if (key === baseRef.current.key && opts.overwrite === undefined) return true;
      if (conflictRef.current && opts.overwrite === undefined) return false;
      setSaveState("saving");
      const run = (async () => {
        try {
          const r = await client.drafts.save.mutate({ slug, graph: JSON.parse(d.graphKey) as TGraph, layout: d.layout, baseRevision: opts.overwrite ?? baseRef.current.revision });
          conflictRef.current = null;
          setConflict(null);
          setSaveError(null);
          markSaved(r.revision, r.updatedAt, key);
          setSaveState(docOf(latest.current).key === key ? "saved" : "pending");
          return true;
        } catch (err) {
          if (errorCode(err) === "DRAFT_CONFLICT") {
            const d = errorInfo(err).details ?? {};
            const c = {
              currentRevision: typeof d.currentRevision === "number" ? d.currentRevision : undefined,
              updatedBy: typeof d.updatedBy === "string" ? d.updatedBy : undefined,
              updatedAt: typeof d.updatedAt === "string" ? d.updatedAt : undefined,
            };
            conflictRef.current = c;
            setConflict(c);
            setSaveState("conflict");
          } else {
            setSaveError(errorInfo(err).message);
            setSaveState("error");
          }
          return false;
        } finally {
          saving.current = null;
        }
      })();
      saving.current = run;
      return run;
    },
    [client, slug, readOnly, markSaved],
  );

  useEffect(() => {
    handleRef.current = { flush: () => save() };
    return () => {
      handleRef.current = null;
    };
  }, [handleRef, save]);

  useEffect(() => {
    if (readOnly || !dirty || conflict || saveState === "error") return;
    const t = setTimeout(() => void save(), 700);
    return () => clearTimeout(t);
  }, [docKey, dirty, conflict, readOnly, save, saveState]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  // ---- live validation ------------------------------------------------------------------------
  const validateSeq = useRef(0);
  // The graph as opened is checked at once (there is no typing to wait out): its ports size the nodes.
  const openedGraphKey = useRef(graphKey);
  useEffect(() => {
    stores.validation.set({ ...stores.validation.get(), pending: true });
    const t = setTimeout(() => {
      const seq = ++validateSeq.current;
      client.pipelines.validate.mutate({ graph: JSON.parse(graphKey) as TGraph, slug }).then(
        (r) => {
          if (seq === validateSeq.current) {
            const g = JSON.parse(graphKey) as TGraph;
            stores.validation.set(applyValidation(stores.validation.get(), r, new Set(g.nodes.map((n) => n.id))));
          }
        },
        (e: unknown) => {
          if (seq === validateSeq.current) stores.validation.set({ ...stores.validation.get(), pending: false, error: errorInfo(e).message });
        },
      );
    }, graphKey === openedGraphKey.current ? 0 : 250);
    return () => clearTimeout(t);
  }, [graphKey, client, stores, slug]);

  // Fit the document that was opened, once: after the first validation has answered, when the nodes have
  // their final size (ports that depend on params make them grow). Only what was opened — an empty
  // canvas is never fitted, and an edit or a pan/zoom before the answer means the user has the viewport.
  // (Fitting on the first answer regardless would frame the first node dropped on an empty canvas when
  // the answer comes after the drop, and the node would jump away from the pointer.)
  const settled = useStore(stores.validation, (s) => s.result !== null || s.error !== null);
  const openingFit = useRef(start.nodes.length > 0);
  useEffect(() => {
    if (!settled || !openingFit.current) return;
    const t = setTimeout(() => {
      if (!openingFit.current) return;
      openingFit.current = false;
      const v = viewportFor(latest.current.nodes, wrapper.current);
      if (v) void flow.setViewport(v);
    }, 60);
    return () => clearTimeout(t);
  }, [settled, flow]);

  // ---- history --------------------------------------------------------------------------------
  const history = useRef<{ past: TSnapshot[]; future: TSnapshot[]; tag: string | null; at: number }>({ past: [], future: [], tag: null, at: 0 });
  const [historySize, setHistorySize] = useState({ past: 0, future: 0 });
  const snapshot = (): TSnapshot => ({
    nodes: latest.current.nodes.map((n) => ({ ...n, selected: false })),
    edges: latest.current.edges.map((e) => ({ ...e, selected: false })),
    levels: latest.current.levels,
    subLayouts: latest.current.subLayouts,
  });
  /** Shows a snapshot (undo, redo): a step taken inside a sub-graph reopens it. */
  const restore = (s: TSnapshot) => {
    const moved = s.levels !== latest.current.levels;
    setNodes(s.nodes);
    setEdges(s.edges);
    setLevels(s.levels);
    setSubLayouts(s.subLayouts);
    if (moved) showLevel(s.nodes, s.edges, true);
  };
  /** Call before a change; edits with the same tag in quick succession (typing) are one step. */
  const record = (tag: string | null = null) => {
    openingFit.current = false;
    const h = history.current;
    const now = Date.now();
    if (tag && h.tag === tag && now - h.at < 1500) {
      h.at = now;
      return;
    }
    h.tag = tag;
    h.at = now;
    h.past.push(snapshot());
    if (h.past.length > 200) h.past.shift();
    h.future = [];
    setHistorySize({ past: h.past.length, future: 0 });
  };
  const undo = () => {
    const h = history.current;
    const prev = h.past.pop();
    if (!prev) return;
    h.future.push(snapshot());
    h.tag = null;
    restore(prev);
    setHistorySize({ past: h.past.length, future: h.future.length });
  };
  const redo = () => {
    const h = history.current;
    const next = h.future.pop();
    if (!next) return;
    h.past.push(snapshot());
    h.tag = null;
    restore(next);
    setHistorySize({ past: h.past.length, future: h.future.length });
  };

  // ---- editing ----------------------------------------------------------------------------------
  // A replayed call opens on the test panel, over the version that answered it (drafts are not kept).
  const [side, setSide] = useState<TSideTab>(replay ? "run" : "inspect");
  const [overlay, setOverlay] = useState<TOverlay>(replay?.versionNumber ? { kind: "version", number: replay.versionNumber } : null);
  const replayTrace = useMemo(() => (replay ? recordedTrace(replay) : []), [replay]);
  const [problemsOpen, setProblemsOpen] = useState(false);
  const [toast, setToast] = useState<{ tone: "error" | "info"; text: string; id: number } | null>(null);
  const wrapper = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!toast) return;
    const t = setTimeout(() => setToast(null), 6000);
    return () => clearTimeout(t);
  }, [toast]);
  const say = (text: string, tone: "error" | "info" = "info") => setToast({ text, tone, id: Date.now() });

  const onNodesChange = useCallback((changes: NodeChange<TFlowNode>[]) => setNodes((ns) => applyNodeChanges(changes, ns)), []);
  const onEdgesChange = useCallback((changes: EdgeChange<TFlowEdge>[]) => setEdges((es) => applyEdgeChanges(changes, es)), []);

  const portsOf = (id: string) => {
    const n = latest.current.nodes.find((x) => x.id === id);
    return n ? resolvePorts(catalog.get(n.data.type), stores.validation.get().ports[id]) : null;
  };
  const labelOf = (id: string) => {
    const n = nodes.find((x) => x.id === id);
    return n?.data.label || (n ? `${catalog.get(n.data.type)?.title ?? n.data.type} (${id})` : id);
  };

  /** Why the compiler would refuse this connection, or null. */
  const connectionProblem = (c: { source: string; target: string; sourceHandle?: string | null; targetHandle?: string | null }): string | null => {
    if (!c.sourceHandle || !c.targetHandle) return "Connect an output (right side) to an input (left side).";
    if (c.source === c.target) return "A node cannot feed itself.";
    const cycle = pathBetween(latest.current.edges, c.target, c.source);
    if (cycle) return `Cycle: ${[...cycle, c.target].join(" → ")} would loop back.`;
    const from = portsOf(c.source)?.outputs.find((p) => p.name === c.sourceHandle)?.kind;
    const to = portsOf(c.target)?.inputs.find((p) => p.name === c.targetHandle)?.kind;
    if (from && to) {
      const m = checkCompatible(from, to);
      if (m) return `${MISMATCH_TITLES[m.code] ?? m.code}: ${m.message}`;
    }
    return null;
  };

  const isValidConnection = (c: Connection | Edge) => connectionProblem(c) === null;

  const onConnect = (c: Connection) => {
    if (connectionProblem(c)) return;
    record();
    setEdges((es) => {
      // An input takes one edge: a new connection replaces the old one.
      const rest = es.filter((e) => !(e.target === c.target && e.targetHandle === c.targetHandle));
      return addEdge({ ...c, id: uniqueEdgeId(new Set(es.map((e) => e.id))) }, rest);
    });
  };

  const onConnectEnd = (_e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (!state.fromHandle || !state.toHandle || state.isValid) return;
    const [s, t] = state.fromHandle.type === "source" ? [state.fromHandle, state.toHandle] : [state.toHandle, state.fromHandle];
    const why = connectionProblem({ source: s.nodeId, sourceHandle: s.id, target: t.nodeId, targetHandle: t.id });
    if (why) say(`Not connected — ${why}`, "error");
  };

  const viewportCentre = () => {
    const r = wrapper.current?.getBoundingClientRect();
    const p = flow.screenToFlowPosition({ x: (r?.left ?? 0) + (r?.width ?? 800) / 2, y: (r?.top ?? 0) + (r?.height ?? 600) / 2 });
    return { x: p.x - 110, y: p.y - 50 };
  };

  const addNode = (type: string, position?: { x: number; y: number }) => {
    const entry = catalog.get(type);
    if (!entry || readOnly) return;
    record();
    const current = latest.current.nodes;
    const id = uniqueId(baseName(type), new Set(current.map((n) => n.id)));
    let pos = position ?? viewportCentre();
    if (!position) {
      // Click-to-add: don't stack nodes exactly on top of each other.
      while (current.some((n) => Math.abs(n.position.x - pos.x) < 12 && Math.abs(n.position.y - pos.y) < 12)) pos = { x: pos.x + 28, y: pos.y + 28 };
    }
    const params = initialParams(entry, graphFromFlow(current, []).nodes);
    // A For each starts with a body to open: the element in, one list out.
    if (hasSubGraph(type)) params.graph = starterSubGraph(type) as unknown as TJsonValue;
    setNodes((ns) => [...ns.map((n) => (n.selected ? { ...n, selected: false } : n)), { id, type: "step", position: pos, selected: true, data: { type, params } }]);
    setEdges((es) => es.map((e) => (e.selected ? { ...e, selected: false } : e)));
    setSide("inspect");
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const type = e.dataTransfer.getData(DRAG_MIME);
    if (!type) return;
    const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
    addNode(type, { x: p.x - 20, y: p.y - 20 });
  };

  const setParams = (id: string, params: TParams) => {
    record(`params:${id}`);
    setNodes((ns) => ns.map((n) => (n.id === id ? { ...n, data: { ...n.data, params } } : n)));
  };
  const setLabel = (id: string, label: string | undefined) => {
    record(`label:${id}`);
    setNodes((ns) => ns.map((n) => (n.id === id ? { ...n, data: { ...n.data, label } } : n)));
  };
  const deleteNodes = (ids: string[]) => {
    if (!ids.length) return;
    record();
    const drop = new Set(ids);
    setNodes((ns) => ns.filter((n) => !drop.has(n.id)));
    setEdges((es) => es.filter((e) => !drop.has(e.source) && !drop.has(e.target)));
  };

  const focusNode = (id: string) => {
    setOverlay(null);
    const n = latest.current.nodes.find((x) => x.id === id);
    if (!n) return;
    setNodes((ns) => ns.map((x) => ({ ...x, selected: x.id === id })));
    const w = n.measured?.width ?? 220;
    const h = n.measured?.height ?? 100;
    void flow.setCenter(n.position.x + w / 2, n.position.y + h / 2, { zoom: Math.max(flow.getZoom(), 1), duration: 300 });
    if (side !== "run") setSide("inspect");
  };

  /**
   * Fit view, but never on an empty canvas: React Flow queues a fitView until every node is measured, and
   * an empty canvas never is, so a fit asked for there would fire on the first node dropped later and move
   * it away from the pointer. Every fit in the editor (toolbar, F, the controls, auto-layout, import) goes
   * through here.
   */
  const fitAll = () => {
    if (latest.current.nodes.length) void flow.fitView(FIT_VIEW);
  };

  const layoutAll = () => {
    const pos = autoLayout(latest.current.nodes, latest.current.edges);
    record();
    setNodes((ns) => ns.map((n) => ({ ...n, position: pos.get(n.id) ?? n.position })));
    setTimeout(fitAll, 30);
  };

  // ---- sub-graphs ---------------------------------------------------------------------------------
  /** Opens a For each node's body on the canvas; the level it was opened from is kept as it is. */
  const openSub = (id: string) => {
    const cur = latest.current;
    const n = cur.nodes.find((x) => x.id === id);
    if (!n || !hasSubGraph(n.data.type)) return;
    const level: TLevel = {
      nodeId: id,
      type: n.data.type,
      title: levelTitle(n.data.type, id, n.data.label),
      nodes: cur.nodes.map((x) => (x.selected ? { ...x, selected: false } : x)),
      edges: cur.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      viewport: flow.getViewport(),
    };
    const next = [...cur.levels, level];
    const inner = openSubGraph(n, pathPrefix(next), cur.subLayouts);
    const pos = inner.missing ? autoLayout(inner.nodes, inner.edges) : null;
    const shown = pos ? inner.nodes.map((x) => ({ ...x, position: pos.get(x.id) ?? x.position })) : inner.nodes;
    showLevel(shown, inner.edges, true);
    setLevels(next);
    setNodes(shown);
    setEdges(inner.edges);
    setSide("inspect");
  };

  /**
   * A level comes on the canvas: its ports are checked at once (they size the nodes and carry the edges),
   * and, when `fit`, it is framed once that answer is in — as the pipeline is when the editor opens.
   */
  const showLevel = (ns: TFlowNode[], es: TFlowEdge[], fit: boolean) => {
    openedGraphKey.current = graphKeyOf(ns, es);
    openingFit.current = fit;
    stores.validation.set({ ...emptyValidation, pending: true });
  };

  /** Back to a level of the breadcrumb (0: the pipeline), folding each closed body into its node. */
  const goToLevel = (keep: number) => {
    const cur = latest.current;
    if (keep >= cur.levels.length) return;
    let ns = cur.nodes;
    let es = cur.edges;
    const kept = { ...cur.subLayouts };
    for (let i = cur.levels.length - 1; i >= keep; i--) {
      const prefix = pathPrefix(cur.levels.slice(0, i + 1));
      for (const n of ns) kept[`${prefix}${n.id}`] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
      ns = closeInto(cur.levels[i]!, ns, es);
      es = cur.levels[i]!.edges;
    }
    const back = cur.levels[keep]!;
    showLevel(ns, es, false);
    setLevels(cur.levels.slice(0, keep));
    setSubLayouts(kept);
    setNodes(ns.map((n) => ({ ...n, selected: n.id === back.nodeId })));
    setEdges(es);
    setTimeout(() => void flow.setViewport(back.viewport), 30);
  };

  const paste = (text: string) => {
    const clip = parseClipboard(text);
    if (!clip || readOnly) return false;
    record();
    const { nodes: n, edges: e } = instantiateClipboard(clip, latest.current.nodes, latest.current.edges, viewportCentre());
    setNodes((ns) => [...ns.map((x) => ({ ...x, selected: false })), ...n]);
    setEdges((es) => [...es, ...e]);
    say(`Pasted ${n.length} node${n.length === 1 ? "" : "s"}.`);
    return true;
  };

  // The latest handlers, for listeners and callbacks that are created once.
  const handlers = useRef({ undo, redo, paste, layoutAll, fitAll, save, deleteNodes, addNode, record, onConnect, onConnectEnd, isValidConnection, openSub });
  useEffect(() => {
    handlers.current = { undo, redo, paste, layoutAll, fitAll, save, deleteNodes, addNode, record, onConnect, onConnectEnd, isValidConnection, openSub };
  });

  // React Flow copies these props into its store, with one store update — a pass over every node, handle
  // and edge subscribed to it — for each prop whose identity changed: new closures on every render made each
  // render of a 200-node canvas (every drag frame, every selection) cost seven such passes.
  const flowEvents = useMemo(
    () => ({
      onConnect: (c: Connection) => handlers.current.onConnect(c),
      onConnectEnd: (e: MouseEvent | TouchEvent, state: FinalConnectionState) => handlers.current.onConnectEnd(e, state),
      isValidConnection: (c: Connection | Edge) => handlers.current.isValidConnection(c),
      onBeforeDelete: async () => {
        handlers.current.record();
        return true;
      },
      onNodeDragStart: () => handlers.current.record(),
      onNodeDoubleClick: (_e: React.MouseEvent, node: TFlowNode) => handlers.current.openSub(node.id),
      onMoveStart: (e: MouseEvent | TouchEvent | null) => {
        // A pan or zoom by the user (not a programmatic move): leave the viewport to them.
        if (e) openingFit.current = false;
      },
    }),
    [],
  );

  // Clipboard and shortcuts, on the document but never while typing or with a dialog open.
  useEffect(() => {
    const blocked = (t: EventTarget | null) => isTyping(t) || !!document.querySelector(".modal-backdrop") || overlay !== null;
    const selectedSubgraph = () => {
      const sel = latest.current.nodes.filter((n) => n.selected);
      return sel.length ? toClipboard(sel, latest.current.edges) : null;
    };
    const onCopy = (e: ClipboardEvent) => {
      if (blocked(e.target)) return;
      const clip = selectedSubgraph();
      if (!clip) return;
      e.preventDefault();
      const text = JSON.stringify(clip);
      e.clipboardData?.setData("text/plain", text);
      try {
        localStorage.setItem("inferline:clipboard", text);
      } catch {
        // storage full or disabled: the system clipboard still has it
      }
    };
    const onCut = (e: ClipboardEvent) => {
      if (blocked(e.target) || readOnly) return;
      onCopy(e);
      handlers.current.deleteNodes(latest.current.nodes.filter((n) => n.selected).map((n) => n.id));
    };
    const onPaste = (e: ClipboardEvent) => {
      if (blocked(e.target) || readOnly) return;
      const text = e.clipboardData?.getData("text/plain") || localStorage.getItem("inferline:clipboard") || "";
      if (handlers.current.paste(text)) e.preventDefault();
    };
    const onKey = (e: KeyboardEvent) => {
      if (blocked(e.target)) return;
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if (mod && k === "z" && !e.shiftKey) {
        e.preventDefault();
        if (!readOnly) handlers.current.undo();
      } else if (mod && (k === "y" || (k === "z" && e.shiftKey))) {
        e.preventDefault();
        if (!readOnly) handlers.current.redo();
      } else if (mod && k === "s") {
        e.preventDefault();
        void handlers.current.save();
      } else if (mod && k === "a") {
        e.preventDefault();
        setNodes((ns) => ns.map((n) => ({ ...n, selected: true })));
      } else if (mod && k === "d" && !readOnly) {
        e.preventDefault();
        const clip = selectedSubgraph();
        if (clip) handlers.current.paste(JSON.stringify(clip));
      } else if (!mod && !e.altKey && k === "f") {
        handlers.current.fitAll();
      } else if (!mod && !e.altKey && k === "l" && !readOnly) {
        handlers.current.layoutAll();
      } else if (k === "escape") {
        setNodes((ns) => ns.map((n) => (n.selected ? { ...n, selected: false } : n)));
      }
    };
    document.addEventListener("copy", onCopy);
    document.addEventListener("cut", onCut);
    document.addEventListener("paste", onPaste);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("copy", onCopy);
      document.removeEventListener("cut", onCut);
      document.removeEventListener("paste", onPaste);
      document.removeEventListener("keydown", onKey);
    };
  }, [flow, readOnly, overlay]);

  // ---- derived view state -----------------------------------------------------------------------
  const selected = nodes.filter((n) => n.selected);
  const inspected = selected.length === 1 ? selected[0]! : null;
  const issuesByEdge = useStore(stores.validation, (s) => s.issuesByEdge);
  const compiledPorts = useStore(stores.validation, (s) => s.ports);
  const errorCount = useStore(stores.validation, (s) => s.result?.issues.filter((i) => i.severity === "error").length ?? null);
  const displayEdges = useMemo(
    () =>
      edges.map((e) => {
        const kind: TKind | undefined = compiledPorts[e.source]?.outputs[e.sourceHandle ?? ""];
        const bad = issuesByEdge[e.id];
        return {
          ...e,
          className: bad ? "edge-invalid" : undefined,
          style: { stroke: bad ? "#d92d20" : kindColor(kind), strokeWidth: e.selected ? 3 : 2 },
          ...(bad ? { label: "✕", labelStyle: { fill: "#d92d20", fontWeight: 700 } } : {}),
        };
      }),
    [edges, issuesByEdge, compiledPorts],
  );
  const modelRefs = useMemo(() => {
    const seen = new Map<string, { model: string; version: number }>();
    for (const n of graph.nodes) {
      if (n.type.startsWith("model/onnx@") && typeof n.params.model === "string" && n.params.model && typeof n.params.version === "number") {
        seen.set(`${n.params.model}@${n.params.version}`, { model: n.params.model, version: n.params.version });
      }
    }
    return [...seen.values()];
  }, [graph]);
  const runInputs = useMemo<TRunInput[]>(
    () =>
      rootGraph.nodes
        .filter((n) => n.type.startsWith("io/input@") && typeof n.params.name === "string" && n.params.name)
        .map((n) => ({
          name: n.params.name as string,
          nodeId: n.id,
          kind: (n.params.kind as TKind | undefined) ?? { kind: "json" },
          required: n.params.required !== false && n.params.default === undefined,
          description: typeof n.params.description === "string" ? n.params.description : undefined,
        })),
    [rootGraph],
  );

  // Run results describe the graph they ran on; after an edit they stay, marked as such.
  const runGraphKey = useStore(stores.run, (s) => (s.result ? s.graphKey : null));
  const runIsStale = runGraphKey !== null && runGraphKey !== rootGraphKey;

  // Inside a sub-graph the canvas shows what its nodes did for one element (chosen per level).
  const rootRun = useStore(stores.run, (s) => s);
  const [chosenElements, setChosenElements] = useState<Record<string, number>>({});
  const subRun = useMemo(() => (levels.length ? subRunAt(rootRun.byNode, levels, chosenElements) : null), [rootRun, levels, chosenElements]);
  useEffect(() => {
    viewRun.set(levels.length ? { ...rootRun, byNode: subRun?.byNode ?? {} } : rootRun);
  }, [rootRun, levels, subRun, viewRun]);

  // ---- versions, restore, diff, import ------------------------------------------------------------
  const [restoring, setRestoring] = useState<number | null>(null);
  const [committing, setCommitting] = useState(false);
  const [importing, setImporting] = useState<TImportCandidate | null>(null);
  const [compare, setCompare] = useState<{ a: TGraphRef; b: TGraphRef }>({ a: 1, b: "draft" });
  const draftDoc = useMemo(() => ({ graph: rootGraph, layout: doc.layout }), [rootGraph, doc.layout]);
  const versionCount = useQuery(trpc.versions.list.queryOptions({ slug })).data?.length ?? 0;
  const diffState = useGraphDiff(slug, compare.a, compare.b, draftDoc, versionCount > 0 && (side === "diff" || overlay?.kind === "diff"));
  const versionView = useGraphDiff(slug, overlay?.kind === "version" ? overlay.number : "draft", "draft", draftDoc, overlay?.kind === "version");

  const reloadFromServer = async () => {
    await qc.fetchQuery({ ...trpc.drafts.get.queryOptions({ slug }), staleTime: 0 });
    onReloaded();
  };

  const replaceGraph = (g: TGraph, layout: TLayout | undefined) => {
    record();
    setLevels([]);
    setSubLayouts(subLayoutsOf(layout));
    const f = toFlow(g, layout);
    const missing = g.nodes.some((n) => !layout?.nodes?.[n.id]);
    const pos = missing ? autoLayout(f.nodes, f.edges) : null;
    setNodes(pos ? f.nodes.map((n) => ({ ...n, position: pos.get(n.id) ?? n.position })) : f.nodes);
    setEdges(f.edges);
    stores.run.set(emptyRun);
    setTimeout(fitAll, 50);
  };

  const exportJson = () => {
    const text = JSON.stringify({ ...rootGraph, layout: doc.layout }, null, 2);
    const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `${slug}.pipeline.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  const fileInput = useRef<HTMLInputElement>(null);
  const onImportFile = async (file: File) => {
    const text = await file.text();
    setImporting({ fileName: file.name, text });
  };

  const saveLabel =
    saveState === "saving"
      ? "Saving…"
      : saveState === "conflict"
        ? "Not saved: conflict"
        : saveState === "error"
          ? "Not saved"
          : dirty
            ? "Unsaved changes"
            : `Saved · revision ${base.revision}`;

  return (
    <EditorContext.Provider value={ctx}>
      <div className="editor" data-testid="editor">
        <div className="editor-toolbar" role="toolbar" aria-label="Editor">
          <div className="tb-group">
            <button type="button" className="tb-btn" onClick={undo} disabled={readOnly || historySize.past === 0} title="Undo (Ctrl+Z)" aria-label="Undo">
              ↶
            </button>
            <button type="button" className="tb-btn" onClick={redo} disabled={readOnly || historySize.future === 0} title="Redo (Ctrl+Shift+Z)" aria-label="Redo">
              ↷
            </button>
          </div>
          <div className="tb-group">
            <button type="button" className="tb-btn tb-text" onClick={layoutAll} disabled={readOnly || !nodes.length} title="Arrange the nodes left to right (L)">
              Auto-layout
            </button>
            <button type="button" className="tb-btn tb-text" onClick={fitAll} title="Fit the pipeline in view (F)">
              Fit view
            </button>
          </div>
          <div className="tb-group">
            <button type="button" className="tb-btn tb-text" onClick={() => fileInput.current?.click()} disabled={readOnly} title="Replace the draft with a pipeline JSON file">
              Import
            </button>
            <input
              ref={fileInput}
              type="file"
              accept="application/json,.json"
              hidden
              data-testid="import-file"
              onChange={(e) => {
                const f = e.target.files?.[0];
                e.target.value = "";
                if (f) void onImportFile(f);
              }}
            />
            <button type="button" className="tb-btn tb-text" onClick={exportJson} title="Download the pipeline as JSON">
              Export
            </button>
          </div>
          <ShortcutsHint />
          <div className="toolbar-spacer" />
          <span className={`save-state save-${dirty && saveState === "saved" ? "pending" : saveState}`} data-testid="save-state" title={base.updatedAt ? `Last saved ${formatDateTime(base.updatedAt)}` : undefined}>
            <span className="save-dot" aria-hidden="true" />
            {readOnly ? "Read-only" : saveLabel}
          </span>
          {!readOnly ? (
            <>
              <button type="button" className="btn btn-secondary btn-sm" onClick={() => setSide("run")} data-testid="open-run">
                ▶ Test run
              </button>
              <button type="button" className="btn btn-primary btn-sm" onClick={() => setCommitting(true)} disabled={!!conflict}>
                Commit…
              </button>
            </>
          ) : null}
        </div>

        {readOnlyReason ? <p className="editor-note">{readOnlyReason}</p> : null}
        {conflict ? (
          <Alert
            tone="error"
            testId="editor-conflict"
            title="Someone else saved this draft while you were editing"
            actions={
              <button type="button" className="btn btn-secondary btn-sm" onClick={() => setReviewing(true)}>
                Review and resolve…
              </button>
            }
          >
            {conflict.currentRevision ? `Revision ${conflict.currentRevision}` : "A newer revision"}
            {conflict.updatedBy ? ` was saved by ${conflict.updatedBy}` : " was saved"}
            {conflict.updatedAt ? ` at ${formatDateTime(conflict.updatedAt)}` : ""}. Your changes are kept here but are not being saved until you choose what to keep.
          </Alert>
        ) : null}
        {saveState === "error" && saveError ? (
          <Alert
            tone="error"
            title="The draft could not be saved"
            actions={
              <button type="button" className="btn btn-secondary btn-sm" onClick={() => void save()}>
                Try again
              </button>
            }
          >
            {saveError} Your changes are kept in this tab.
          </Alert>
        ) : null}

        <div className="editor-body">
          {!readOnly ? <Palette catalog={catalogList} onAdd={(t) => addNode(t)} /> : null}
          <div className="editor-stage">
            <div className="canvas-wrap" ref={wrapper} onDragOver={(e) => e.preventDefault()} onDrop={onDrop} data-testid="canvas">
              <ReactFlow<TFlowNode, TFlowEdge>
                nodes={nodes}
                edges={displayEdges}
                nodeTypes={nodeTypes}
                onNodesChange={onNodesChange}
                onEdgesChange={onEdgesChange}
                onConnect={flowEvents.onConnect}
                onConnectEnd={flowEvents.onConnectEnd}
                isValidConnection={flowEvents.isValidConnection}
                onBeforeDelete={flowEvents.onBeforeDelete}
                onNodeDragStart={flowEvents.onNodeDragStart}
                onNodeDoubleClick={flowEvents.onNodeDoubleClick}
                zoomOnDoubleClick={false}
                onMoveStart={flowEvents.onMoveStart}
                nodesDraggable={!readOnly}
                nodesConnectable={!readOnly}
                deleteKeyCode={readOnly ? null : DELETE_KEYS}
                multiSelectionKeyCode={MULTI_SELECT_KEYS}
                selectionKeyCode="Shift"
                // No `fitView` prop: React Flow keeps that fit queued until a node is measured, so on an empty
                // canvas it frames the first dropped node, which jumps. The editor fits what it opened (above).
                defaultViewport={DEFAULT_VIEWPORT}
                minZoom={0.1}
                maxZoom={2}
                defaultEdgeOptions={DEFAULT_EDGE_OPTIONS}
                connectionRadius={28}
                proOptions={PRO_OPTIONS}
              >
                <Background gap={20} size={1} />
                <Controls showInteractive={false} showFitView={false}>
                  <ControlButton onClick={fitAll} className="react-flow__controls-fitview" title="Fit View" aria-label="Fit View">
                    <FitViewIcon />
                  </ControlButton>
                </Controls>
                <MiniMap pannable zoomable className="minimap" nodeColor={minimapColor} />
                <ConnectionHint problem={connectionProblem} />
                {levels.length ? (
                  <Panel position="top-left" className="subgraph-bar" data-testid="subgraph-bar">
                    <nav aria-label="Sub-graph path" className="breadcrumb" data-testid="breadcrumb">
                      <button type="button" className="crumb" onClick={() => goToLevel(0)}>
                        Pipeline
                      </button>
                      {levels.map((l, i) => (
                        <Fragment key={`${i}-${l.nodeId}`}>
                          <span className="crumb-sep" aria-hidden="true">
                            ›
                          </span>
                          {i === levels.length - 1 ? (
                            <span className="crumb crumb-current" aria-current="page">
                              {l.title}
                            </span>
                          ) : (
                            <button type="button" className="crumb" onClick={() => goToLevel(i + 1)}>
                              {l.title}
                            </button>
                          )}
                        </Fragment>
                      ))}
                    </nav>
                    <ElementPicker
                      run={subRun}
                      hasRun={rootRun.result !== null}
                      onPick={(e) => setChosenElements((c) => ({ ...c, [pathPrefix(levels)]: e }))}
                    />
                  </Panel>
                ) : null}
                {nodes.length === 0 ? (
                  <Panel position="top-center" className="canvas-empty">
                    <p className="empty-title">An empty canvas</p>
                    <p className="muted small">Drag an Input from the palette, then the steps, a model and an Output. Connect outputs (right) to inputs (left).</p>
                  </Panel>
                ) : null}
                {runIsStale ? (
                  <Panel position="top-right" className="canvas-badge">
                    Run results are from before your last edit
                  </Panel>
                ) : null}
              </ReactFlow>
              {toast ? (
                <div key={toast.id} className={`canvas-toast canvas-toast-${toast.tone}`} role={toast.tone === "error" ? "alert" : "status"} data-testid={toast.tone === "error" ? "connection-refused" : "canvas-toast"}>
                  {toast.text}
                </div>
              ) : null}
              {overlay ? (
                <div className="canvas-overlay" data-testid={overlay.kind === "version" ? "version-view" : "diff-view"}>
                  <div className="overlay-bar">
                    {overlay.kind === "version" ? (
                      <>
                        <strong>Version {overlay.number}</strong> <span className="muted">read-only</span>
                        {replay && replay.versionNumber === overlay.number ? (
                          <span className="overlay-replay" data-testid="version-replay-note">
                            as it ran call <span className="mono">{replay.id.slice(0, 8)}</span> · {replay.status === "ok" ? "ok" : replay.errorNode ? `failed in ${replay.errorNode}` : replay.status}
                          </span>
                        ) : null}
                        <div className="toolbar-spacer" />
                        <button type="button" className="btn btn-ghost btn-sm" onClick={() => {
                            setCompare({ a: overlay.number, b: "draft" });
                            setSide("diff");
                            setOverlay({ kind: "diff" });
                          }}>
                          Compare with draft
                        </button>
                        {!readOnly ? (
                          <button type="button" className="btn btn-secondary btn-sm" onClick={() => setRestoring(overlay.number)}>
                            Restore into draft…
                          </button>
                        ) : null}
                      </>
                    ) : (
                      <>
                        <strong>
                          Changes {refLabel(compare.a)} → {refLabel(compare.b)}
                        </strong>
                        <span className="legend">
                          <span className="legend-added">added</span>
                          <span className="legend-changed">changed</span>
                          <span className="legend-removed">removed</span>
                        </span>
                        <div className="toolbar-spacer" />
                      </>
                    )}
                    <button type="button" className="btn btn-primary btn-sm" onClick={() => setOverlay(null)}>
                      Back to the draft
                    </button>
                  </div>
                  <div className="overlay-canvas">
                    {overlay.kind === "version" ? (
                      versionView.a ? (
                        <GraphView
                          key={`v${overlay.number}`}
                          catalog={catalog}
                          graph={versionView.a.graph}
                          layout={versionView.a.layout}
                          trace={replay && replay.versionNumber === overlay.number ? replayTrace : undefined}
                        />
                      ) : (
                        <LoadingBlock />
                      )
                    ) : diffState.a && diffState.b && diffState.diff ? (
                      <GraphView key={`d${String(compare.a)}-${String(compare.b)}`} catalog={catalog} graph={diffState.b.graph} layout={diffState.b.layout} diff={diffState.diff} base={diffState.a} />
                    ) : (
                      <LoadingBlock />
                    )}
                  </div>
                </div>
              ) : null}
            </div>
            <ProblemsPanel open={problemsOpen} onToggle={() => setProblemsOpen((o) => !o)} onFocusNode={focusNode} labelOf={labelOf} />
          </div>
          <aside className="side" aria-label="Side panel">
            <div className="side-tabs" role="tablist">
              {(
                [
                  ["inspect", "Inspector"],
                  ["run", "Test run"],
                  ["versions", "Versions"],
                  ["diff", "Changes"],
                ] as const
              ).map(([id, label]) => (
                <button
                  key={id}
                  type="button"
                  role="tab"
                  aria-selected={side === id}
                  className={`side-tab${side === id ? " side-tab-active" : ""}`}
                  onClick={() => {
                    setSide(id);
                    if (id === "diff") setOverlay(versionCount > 0 ? { kind: "diff" } : null);
                    else if (overlay?.kind === "diff") setOverlay(null);
                  }}
                >
                  {label}
                  {id === "inspect" && errorCount ? <span className="side-tab-count">{errorCount}</span> : null}
                </button>
              ))}
            </div>
            <div className="side-body">
              {side === "inspect" ? (
                <Inspector slug={slug} node={inspected} selectionCount={selected.length} modelRefs={modelRefs} onParams={setParams} onLabel={setLabel} onDelete={(id) => deleteNodes([id])} onOpenSub={openSub} />
              ) : side === "run" ? (
                <EditorContext.Provider value={rootCtx}>
                <RunPanel
                  slug={slug}
                  graphKey={rootGraphKey}
                  inputs={runInputs}
                  flush={() => save()}
                  canRun={!readOnly}
                  labelOf={labelOf}
                  onFocusNode={(id) => {
                    // The run's node ids are the pipeline's: leave an open sub-graph first.
                    if (!latest.current.levels.length) return focusNode(id);
                    goToLevel(0);
                    setTimeout(() => focusNode(id), 60);
                  }}
                  replay={replay}
                  onShowRecorded={replay?.versionNumber ? () => setOverlay({ kind: "version", number: replay.versionNumber! }) : null}
                  onReplayRun={() => {
                    if (overlay) setOverlay(null);
                  }}
                  onCloseReplay={() => {
                    if (overlay?.kind === "version") setOverlay(null);
                    onCloseReplay?.();
                  }}
                />
                </EditorContext.Provider>
              ) : side === "versions" ? (
                <VersionsSide
                  slug={slug}
                  canEdit={!readOnly}
                  viewing={overlay?.kind === "version" ? overlay.number : null}
                  onOpen={(n) => setOverlay({ kind: "version", number: n })}
                  onCompare={(n) => {
                    setCompare({ a: n, b: "draft" });
                    setSide("diff");
                    setOverlay({ kind: "diff" });
                  }}
                  onRestore={(n) => setRestoring(n)}
                />
              ) : (
                <DiffPanel
                  slug={slug}
                  a={compare.a}
                  b={compare.b}
                  diff={diffState.diff}
                  labelOf={labelOf}
                  onChange={(a, b) => {
                    setCompare({ a, b });
                    setOverlay({ kind: "diff" });
                  }}
                />
              )}
            </div>
          </aside>
        </div>
      </div>

      {committing ? (
        <CommitDialog
          slug={slug}
          errorCount={errorCount ?? 0}
          flush={() => save()}
          revision={() => baseRef.current.revision}
          onClose={() => setCommitting(false)}
          onCommitted={(n) => {
            setCommitting(false);
            say(`Committed version ${n}.`);
          }}
          onConflict={() => {
            setCommitting(false);
            void save();
          }}
        />
      ) : null}
      {restoring !== null ? (
        <RestoreDialog
          slug={slug}
          version={restoring}
          dirty={dirty}
          flush={() => save()}
          revision={() => baseRef.current.revision}
          onClose={() => setRestoring(null)}
          onRestored={() => {
            setRestoring(null);
            void reloadFromServer();
          }}
        />
      ) : null}
      {reviewing && conflict ? (
        <ConflictDialog
          slug={slug}
          mine={rootGraph}
          mineLayout={doc.layout}
          onClose={() => setReviewing(false)}
          onOverwrite={async (revision) => {
            const ok = await save({ overwrite: revision });
            if (ok) setReviewing(false);
            return ok;
          }}
          onLoadTheirs={() => {
            setReviewing(false);
            void reloadFromServer();
          }}
        />
      ) : null}
      {importing ? (
        <ImportDialog
          candidate={importing}
          onClose={() => setImporting(null)}
          onImport={(g, l) => {
            setImporting(null);
            replaceGraph(g, l);
            say(`Imported ${g.nodes.length} nodes and ${g.edges.length} edges.`);
          }}
        />
      ) : null}
    </EditorContext.Provider>
  );
}

/** Which element's values the sub-graph canvas shows: "element 1 of 7", among those the trace kept. */
function ElementPicker({ run, hasRun, onPick }: { run: TSubRun | null; hasRun: boolean; onPick: (element: number) => void }) {
  if (!run) return <span className="element-picker-note">{hasRun ? "The last test run has no values for this sub-graph." : "Test-run the pipeline to see each element's values here."}</span>;
  const at = run.indices.indexOf(run.element);
  return (
    <div className="element-picker" data-testid="element-picker">
      <button type="button" className="tb-btn" disabled={at <= 0} onClick={() => onPick(run.indices[at - 1]!)} aria-label="Previous element">
        ‹
      </button>
      <select className="input input-sm" value={run.element} onChange={(e) => onPick(Number(e.target.value))} aria-label="Element shown">
        {run.indices.map((i) => (
          <option key={i} value={i}>
            element {i + 1} of {run.count}
          </option>
        ))}
      </select>
      <button type="button" className="tb-btn" disabled={at >= run.indices.length - 1} onClick={() => onPick(run.indices[at + 1]!)} aria-label="Next element">
        ›
      </button>
      {run.count > run.indices.length ? <span className="element-picker-note">values kept for the first {run.indices.length}</span> : null}
    </div>
  );
}

/** While a connection is dragged over a port that refuses it, say why, next to the pointer. */
function ConnectionHint({ problem }: { problem: (c: { source: string; target: string; sourceHandle?: string | null; targetHandle?: string | null }) => string | null }) {
  const c = useConnection();
  if (!c.inProgress || !c.toHandle || c.isValid !== false) return null;
  const [s, t] = c.fromHandle.type === "source" ? [c.fromHandle, c.toHandle] : [c.toHandle, c.fromHandle];
  const why = problem({ source: s.nodeId, sourceHandle: s.id, target: t.nodeId, targetHandle: t.id });
  if (!why) return null;
  return (
    <ViewportPortal>
      <div className="connection-hint" style={{ transform: `translate(${c.to.x + 14}px, ${c.to.y + 14}px)` }} data-testid="connection-hint">
        {why}
      </div>
    </ViewportPortal>
  );
}

/** React Flow's own fit-view icon (not exported), for the controls' fit button that goes through fitAll. */
function FitViewIcon() {
  return (
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 30" aria-hidden="true">
      <path d="M3.692 4.63c0-.53.4-.938.939-.938h5.215V0H4.708C2.13 0 0 2.054 0 4.63v5.216h3.692V4.631zM27.354 0h-5.2v3.692h5.17c.53 0 .984.4.984.939v5.215H32V4.631A4.624 4.624 0 0027.354 0zm.954 24.83c0 .532-.4.94-.939.94h-5.215v3.768h5.215c2.577 0 4.631-2.13 4.631-4.707v-5.139h-3.692v5.139zm-23.677.94c-.531 0-.939-.4-.939-.94v-5.138H0v5.139c0 2.577 2.13 4.707 4.708 4.707h5.138V25.77H4.631z" />
    </svg>
  );
}

function ShortcutsHint() {
  const [open, setOpen] = useState(false);
  return (
    <div className="tb-group shortcuts">
      <button type="button" className="tb-btn" aria-expanded={open} onClick={() => setOpen((o) => !o)} title="Keyboard shortcuts" aria-label="Keyboard shortcuts">
        ⌨
      </button>
      {open ? (
        <div className="shortcuts-pop" role="dialog" aria-label="Keyboard shortcuts" onMouseLeave={() => setOpen(false)}>
          <dl>
            {[
              ["Delete / Backspace", "Delete the selection"],
              ["Shift + drag", "Select an area"],
              ["Ctrl/⌘ + click", "Add to the selection"],
              ["Ctrl/⌘ + A", "Select all"],
              ["Ctrl/⌘ + C / X / V", "Copy, cut, paste (also into another pipeline)"],
              ["Ctrl/⌘ + D", "Duplicate"],
              ["Ctrl/⌘ + Z", "Undo"],
              ["Ctrl/⌘ + Shift + Z", "Redo"],
              ["Ctrl/⌘ + S", "Save now"],
              ["F", "Fit view"],
              ["L", "Auto-layout"],
              ["Esc", "Clear the selection"],
              ["Double-click a For each", "Open its sub-graph (the breadcrumb leads back)"],
            ].map(([k, v]) => (
              <div key={k}>
                <dt>
                  <kbd>{k}</kbd>
                </dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        </div>
      ) : null}
    </div>
  );
}
