"use client";

import { useMemo, useState, type DragEvent } from "react";
import { CATEGORY_LABELS, CATEGORY_ORDER } from "./ports";
import type { TCatalogEntry } from "./types";

export const DRAG_MIME = "application/x-inferline-node";

/** The node catalogue by category: search, drag onto the canvas, or click to add at the centre. */
export function Palette({ catalog, onAdd }: { catalog: readonly TCatalogEntry[]; onAdd: (type: string) => void }) {
  const [query, setQuery] = useState("");
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const hits = catalog.filter((e) => !q || `${e.title} ${e.type} ${e.description} ${e.category}`.toLowerCase().includes(q));
    const byCat = new Map<string, TCatalogEntry[]>();
    for (const e of hits) byCat.set(e.category, [...(byCat.get(e.category) ?? []), e]);
    const cats = [...byCat.keys()].sort((a, b) => (CATEGORY_ORDER.indexOf(a) + 99) % 99 - ((CATEGORY_ORDER.indexOf(b) + 99) % 99));
    return cats.map((c) => ({ category: c, entries: byCat.get(c)! }));
  }, [catalog, query]);

  function onDragStart(e: DragEvent, type: string) {
    e.dataTransfer.setData(DRAG_MIME, type);
    e.dataTransfer.setData("text/plain", type);
    e.dataTransfer.effectAllowed = "copy";
  }

  return (
    <aside className="palette" aria-label="Node palette" data-testid="palette">
      <div className="palette-search">
        <input className="input input-sm" type="search" placeholder="Search nodes…" aria-label="Search nodes" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      <div className="palette-list">
        {groups.length === 0 ? <p className="muted small palette-empty">No node matches “{query}”.</p> : null}
        {groups.map((g) => (
          <section key={g.category} className="palette-group">
            <h3 className="palette-group-title">{CATEGORY_LABELS[g.category] ?? g.category}</h3>
            <ul>
              {g.entries.map((e) => (
                <li key={e.type}>
                  <button
                    type="button"
                    className={`palette-item palette-${e.category}`}
                    draggable
                    onDragStart={(ev) => onDragStart(ev, e.type)}
                    onClick={() => onAdd(e.type)}
                    title={`${e.description}\n\nDrag onto the canvas, or click to add.`}
                    data-testid={`palette-${e.type}`}
                  >
                    <span className="palette-dot" aria-hidden="true" />
                    <span className="palette-item-text">
                      <span className="palette-item-title">{e.title}</span>
                      <span className="palette-item-type">{e.type}</span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </aside>
  );
}
