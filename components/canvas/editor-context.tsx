"use client";

import { createContext, useContext } from "react";
import { createStore, type TStore } from "./store";
import type { TCatalogEntry, TCompileIssue, TKind, TRunResult, TTraceEntry, TValidation } from "./types";

export type TPortKinds = TValidation["ports"][string];

export interface TValidationState {
  result: TValidation | null;
  issuesByNode: Record<string, TCompileIssue[]>;
  issuesByEdge: Record<string, TCompileIssue[]>;
  /** Port kinds after propagation; unchanged entries keep their object identity (nodes skip re-rendering). */
  ports: Record<string, TPortKinds>;
  pending: boolean;
  error: string | null;
}

export interface TRunState {
  running: boolean;
  /** The graph the result was computed for (stable JSON). */
  graphKey: string | null;
  result: TRunResult | null;
  byNode: Record<string, TTraceEntry>;
  error: string | null;
}

export const emptyValidation: TValidationState = { result: null, issuesByNode: {}, issuesByEdge: {}, ports: {}, pending: false, error: null };
export const emptyRun: TRunState = { running: false, graphKey: null, result: null, byNode: {}, error: null };

export interface TEditorContext {
  catalog: ReadonlyMap<string, TCatalogEntry>;
  validation: TStore<TValidationState>;
  run: TStore<TRunState>;
  readOnly: boolean;
}

export function createEditorStores() {
  return { validation: createStore<TValidationState>(emptyValidation), run: createStore<TRunState>(emptyRun) };
}

export const EditorContext = createContext<TEditorContext | null>(null);

export function useEditorContext(): TEditorContext {
  const ctx = useContext(EditorContext);
  if (!ctx) throw new Error("useEditorContext() outside a canvas");
  return ctx;
}

/** Folds a validation answer into the store, keeping identical per-node slices as they were. */
export function applyValidation(prev: TValidationState, result: TValidation, nodeIds?: ReadonlySet<string>): TValidationState {
  const issuesByNode: Record<string, TCompileIssue[]> = {};
  const issuesByEdge: Record<string, TCompileIssue[]> = {};
  for (const i of result.issues) {
    if (i.nodeId) (issuesByNode[i.nodeId] ??= []).push(i);
    if (i.edgeId) (issuesByEdge[i.edgeId] ??= []).push(i);
  }
  const ports: Record<string, TPortKinds> = {};
  for (const [id, p] of Object.entries(result.ports)) {
    const old = prev.ports[id];
    ports[id] = old && JSON.stringify(old) === JSON.stringify(p) ? old : p;
  }
  // A node the compiler could not describe this time (params being edited) keeps its last known ports,
  // so its handles and edges don't flicker away mid-edit.
  if (nodeIds) for (const [id, p] of Object.entries(prev.ports)) if (!ports[id] && nodeIds.has(id)) ports[id] = p;
  for (const [id, list] of Object.entries(issuesByNode)) {
    const old = prev.issuesByNode[id];
    if (old && JSON.stringify(old) === JSON.stringify(list)) issuesByNode[id] = old;
  }
  return { result, issuesByNode, issuesByEdge, ports, pending: false, error: null };
}

export type { TKind };
