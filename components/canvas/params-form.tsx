"use client";

import { useId, useState, type ReactNode } from "react";
import { jsonEqual } from "./graph-doc";
import type { TCompileIssue, TJsonValue, TParams } from "./types";

/**
 * A form generated from a node's params JSON Schema (as zod's toJSONSchema writes it: objects, enums,
 * numbers with bounds, strings with patterns, arrays, discriminated unions with `const`, $refs).
 * Lists get compact editors (numbers comma-separated, strings one per line) because params such as
 * label lists run to thousands of entries. Local checks are immediate; the compiler's INVALID_PARAMS
 * issues (zod refinements JSON Schema cannot say, e.g. "std must not be 0") appear under their field.
 */
export interface TSchema {
  type?: string | string[];
  properties?: Record<string, TSchema>;
  required?: string[];
  items?: TSchema | false;
  prefixItems?: TSchema[];
  enum?: (string | number)[];
  const?: string | number;
  default?: unknown;
  description?: string;
  oneOf?: TSchema[];
  anyOf?: TSchema[];
  $ref?: string;
  $defs?: Record<string, TSchema>;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

type TOnChange = (value: TJsonValue | undefined) => void;

interface TFieldProps {
  name: string;
  label: string;
  schema: TSchema;
  root: TSchema;
  value: TJsonValue | undefined;
  required: boolean;
  onChange: TOnChange;
  readOnly: boolean;
  serverError: string | undefined;
}

export function resolveRef(schema: TSchema, root: TSchema): TSchema {
  let s = schema;
  for (let i = 0; i < 8 && s.$ref; i++) {
    const key = s.$ref.replace(/^#\/\$defs\//, "");
    const rest = { ...s };
    delete rest.$ref;
    s = { ...(root.$defs?.[key] ?? {}), ...rest };
  }
  return s;
}

export function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function discriminatorOf(branches: TSchema[], root: TSchema): string | null {
  const first = resolveRef(branches[0] ?? {}, root);
  for (const [key, prop] of Object.entries(first.properties ?? {})) {
    if (prop.const === undefined) continue;
    if (branches.every((b) => resolveRef(b, root).properties?.[key]?.const !== undefined)) return key;
  }
  return null;
}

function issuesFor(issues: readonly TCompileIssue[], prefix: string): string | undefined {
  const hit = issues.filter((i) => i.path === prefix || i.path?.startsWith(`${prefix}.`));
  if (!hit.length) return undefined;
  return hit.map((i) => i.message.replace(/^Node '[^']*' \([^)]*\): /, "")).join(" ");
}

export function ParamsForm({
  schema,
  value,
  onChange,
  issues,
  readOnly,
  hidden = [],
}: {
  schema: TSchema;
  value: TParams;
  onChange: (next: TParams) => void;
  issues: readonly TCompileIssue[];
  readOnly: boolean;
  /** Params edited by a dedicated control (e.g. the model picker). */
  hidden?: readonly string[];
}) {
  const root = schema;
  if (root.oneOf) {
    return (
      <UnionField
        name=""
        label="Method"
        schema={root}
        root={root}
        value={value}
        required
        readOnly={readOnly}
        serverError={undefined}
        onChange={(v) => onChange((v ?? {}) as TParams)}
        issues={issues}
      />
    );
  }
  const props = Object.entries(root.properties ?? {}).filter(([k]) => !hidden.includes(k));
  if (!props.length) return <p className="muted small">This node has no parameters.</p>;
  const known = new Set(props.map(([k]) => k).concat(hidden));
  const other = issues.filter((i) => i.code === "INVALID_PARAMS" && !known.has((i.path ?? "").split(".")[0] ?? ""));
  return (
    <div className="params-form">
      <ObjectFields root={root} schema={root} value={value} onChange={onChange} issues={issues} readOnly={readOnly} hidden={hidden} prefix="" />
      {other.map((i, n) => (
        <p key={n} className="field-error" role="alert">
          {i.message}
        </p>
      ))}
    </div>
  );
}

function ObjectFields({
  root,
  schema,
  value,
  onChange,
  issues,
  readOnly,
  hidden = [],
  prefix,
}: {
  root: TSchema;
  schema: TSchema;
  value: Record<string, TJsonValue>;
  onChange: (next: TParams) => void;
  issues: readonly TCompileIssue[];
  readOnly: boolean;
  hidden?: readonly string[];
  prefix: string;
}) {
  const required = new Set(schema.required ?? []);
  return (
    <>
      {Object.entries(schema.properties ?? {})
        .filter(([k]) => !hidden.includes(k))
        .map(([key, prop]) => {
          const path = prefix ? `${prefix}.${key}` : key;
          return (
            <Field
              key={key}
              name={path}
              label={humanize(key)}
              schema={prop}
              root={root}
              value={value[key]}
              required={required.has(key)}
              readOnly={readOnly}
              serverError={issuesFor(issues, path)}
              issues={issues}
              onChange={(v) => {
                const next = { ...value };
                if (v === undefined) delete next[key];
                else next[key] = v;
                onChange(next);
              }}
            />
          );
        })}
    </>
  );
}

function Field(props: TFieldProps & { issues: readonly TCompileIssue[] }) {
  const s = resolveRef(props.schema, props.root);
  const merged = { ...props, schema: s };
  const branches = s.oneOf ?? s.anyOf;
  if (branches && discriminatorOf(branches, props.root)) return <UnionField {...merged} />;
  if (branches && isJsonSchema(branches, props.root)) return <JsonField {...merged} />;
  if (s.enum) return <EnumField {...merged} />;
  if (s.type === "boolean") return <BooleanField {...merged} />;
  if (s.type === "integer" || s.type === "number") return <NumberField {...merged} />;
  if (s.type === "string") return <StringField {...merged} />;
  if (s.type === "array") {
    const items = s.items ? resolveRef(s.items, props.root) : s.prefixItems?.[0] ? resolveRef(s.prefixItems[0], props.root) : {};
    const itemTypes = (items.anyOf ?? [items]).map((b) => resolveRef(b, props.root).type);
    if (itemTypes.every((t) => t === "number" || t === "integer")) return <ListField {...merged} mode="numbers" integer={itemTypes.every((t) => t === "integer")} />;
    if (itemTypes.includes("null")) return <ListField {...merged} mode="dims" />;
    if (itemTypes.every((t) => t === "string" || t === "integer")) return <ListField {...merged} mode="lines" />;
  }
  if (s.type === "object" && s.properties) {
    const obj = (props.value && typeof props.value === "object" && !Array.isArray(props.value) ? props.value : {}) as Record<string, TJsonValue>;
    return (
      <fieldset className="params-fieldset">
        <legend>{props.label}</legend>
        <ObjectFields root={props.root} schema={s} value={obj} onChange={(v) => props.onChange(v)} issues={props.issues} readOnly={props.readOnly} prefix={props.name} />
      </fieldset>
    );
  }
  if (Array.isArray(s.type)) return <ScalarField {...merged} />;
  return <JsonField {...merged} />;
}

/** z.json(): a recursive anyOf of every JSON type. */
function isJsonSchema(branches: TSchema[], root: TSchema): boolean {
  const types = new Set(branches.map((b) => resolveRef(b, root).type).flat());
  return types.has("object") && types.has("array") && types.has("string");
}

function Frame({ id, label, required, error, description, children, aside }: { id: string; label: string; required: boolean; error?: string | undefined; description?: string | undefined; children: ReactNode; aside?: ReactNode }) {
  return (
    <div className={`field pfield${error ? " field-invalid" : ""}`}>
      <div className="field-label-row">
        <label className="field-label" htmlFor={id}>
          {label}
        </label>
        {required ? null : <span className="pfield-optional">optional</span>}
        {aside}
      </div>
      {children}
      {error ? (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      ) : description ? (
        <p className="field-hint">{description}</p>
      ) : null}
    </div>
  );
}

type TParse = { ok: true; value: TJsonValue | undefined } | { ok: false; error: string };

/** A text box backed by a parsed value: keeps what the user typed until it parses, follows outside changes (undo). */
function useTextBuffer(value: TJsonValue | undefined, format: (v: TJsonValue | undefined) => string, parse: (text: string) => TParse, onChange: TOnChange) {
  const [state, setState] = useState(() => ({ text: format(value), error: null as string | null, value }));
  if (!jsonEqual(state.value ?? null, value ?? null)) setState({ text: format(value), error: null, value });
  return {
    text: state.text,
    error: state.error,
    onText(text: string) {
      const r = parse(text);
      if (r.ok) {
        setState({ text, error: null, value: r.value });
        onChange(r.value);
      } else setState({ text, error: r.error, value: state.value });
    },
  };
}

function localCheck(schema: TSchema, value: TJsonValue | undefined, required: boolean): string | undefined {
  if (value === undefined || value === "") return required && schema.default === undefined ? "Required." : undefined;
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) return `At least ${schema.minimum}.`;
    if (schema.maximum !== undefined && schema.maximum < 1e15 && value > schema.maximum) return `At most ${schema.maximum}.`;
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) return `At least ${schema.minLength} characters.`;
    if (schema.maxLength !== undefined && value.length > schema.maxLength) return `At most ${schema.maxLength} characters.`;
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) return schema.pattern.startsWith("^[A-Za-z_]") ? "Start with a letter or '_'; use letters, digits and '_'." : `Must match ${schema.pattern}.`;
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return schema.minItems === 1 ? "Add at least one entry." : `At least ${schema.minItems} entries.`;
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return `At most ${schema.maxItems} entries.`;
  }
  return undefined;
}

function StringField({ name, label, schema, value, required, onChange, readOnly, serverError }: TFieldProps) {
  const id = useId();
  const long = (schema.maxLength ?? 0) >= 500;
  const v = typeof value === "string" ? value : "";
  const error = localCheck(schema, value, required) ?? serverError;
  const common = {
    id,
    name,
    className: long ? "input textarea" : "input",
    value: v,
    readOnly,
    placeholder: typeof schema.default === "string" ? schema.default : undefined,
    "aria-invalid": error ? true : undefined,
    spellCheck: false,
  };
  return (
    <Frame id={id} label={label} required={required} error={error} description={schema.description}>
      {long ? (
        <textarea {...common} rows={2} onChange={(e) => onChange(e.target.value === "" && !required ? undefined : e.target.value)} />
      ) : (
        <input {...common} onChange={(e) => onChange(e.target.value === "" && !required ? undefined : e.target.value)} />
      )}
    </Frame>
  );
}

function NumberField({ name, label, schema, value, required, onChange, readOnly, serverError }: TFieldProps) {
  const id = useId();
  const integer = schema.type === "integer";
  const buf = useTextBuffer(
    value,
    (v) => (typeof v === "number" ? String(v) : ""),
    (text) => {
      const t = text.trim();
      if (t === "") return { ok: true, value: undefined };
      const n = Number(t);
      if (!Number.isFinite(n)) return { ok: false, error: "Enter a number." };
      if (integer && !Number.isInteger(n)) return { ok: false, error: "Enter a whole number." };
      return { ok: true, value: n };
    },
    onChange,
  );
  const error = buf.error ?? localCheck(schema, value, required) ?? serverError;
  return (
    <Frame id={id} label={label} required={required} error={error} description={schema.description}>
      <input
        id={id}
        name={name}
        className="input"
        inputMode={integer ? "numeric" : "decimal"}
        value={buf.text}
        readOnly={readOnly}
        placeholder={schema.default !== undefined ? `${String(schema.default)} (default)` : undefined}
        aria-invalid={error ? true : undefined}
        onChange={(e) => buf.onText(e.target.value)}
      />
    </Frame>
  );
}

function ScalarField({ name, label, schema, value, required, onChange, readOnly, serverError }: TFieldProps) {
  const id = useId();
  const types = Array.isArray(schema.type) ? schema.type : [];
  const buf = useTextBuffer(
    value,
    (v) => (v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v)),
    (text) => {
      const t = text.trim();
      if (t === "") return { ok: true, value: undefined };
      if (types.includes("boolean") && (t === "true" || t === "false")) return { ok: true, value: t === "true" };
      if (types.includes("number") && t !== "" && Number.isFinite(Number(t))) return { ok: true, value: Number(t) };
      if (types.includes("string")) return { ok: true, value: text };
      return { ok: false, error: `Enter a ${types.join(" or ")}.` };
    },
    onChange,
  );
  const error = buf.error ?? localCheck(schema, value, required) ?? serverError;
  return (
    <Frame id={id} label={label} required={required} error={error} description={schema.description ?? `A ${types.join(", ")}`}>
      <input id={id} name={name} className="input" value={buf.text} readOnly={readOnly} aria-invalid={error ? true : undefined} onChange={(e) => buf.onText(e.target.value)} />
    </Frame>
  );
}

function BooleanField({ name, label, schema, value, onChange, readOnly, serverError }: TFieldProps) {
  const id = useId();
  const checked = typeof value === "boolean" ? value : schema.default === true;
  return (
    <div className="field pfield">
      <label className="checkbox" htmlFor={id}>
        <input id={id} name={name} type="checkbox" checked={checked} disabled={readOnly} onChange={(e) => onChange(e.target.checked)} />
        <span>{label}</span>
      </label>
      {serverError ? <p className="field-error">{serverError}</p> : schema.description ? <p className="field-hint">{schema.description}</p> : null}
    </div>
  );
}

function EnumField({ name, label, schema, value, required, onChange, readOnly, serverError }: TFieldProps) {
  const id = useId();
  const current = value === undefined ? "" : String(value);
  return (
    <Frame id={id} label={label} required={required || schema.default !== undefined} error={serverError} description={schema.description}>
      <select
        id={id}
        name={name}
        className="input select"
        value={current}
        disabled={readOnly}
        onChange={(e) => {
          const raw = e.target.value;
          if (raw === "") return onChange(undefined);
          const opt = schema.enum?.find((o) => String(o) === raw);
          onChange(opt ?? raw);
        }}
      >
        {!required || schema.default !== undefined ? <option value="">{schema.default !== undefined ? `${String(schema.default)} (default)` : "—"}</option> : current === "" ? <option value="">Choose…</option> : null}
        {schema.enum?.map((o) => (
          <option key={String(o)} value={String(o)}>
            {String(o)}
          </option>
        ))}
      </select>
    </Frame>
  );
}

function parseDim(t: string): number | string | null {
  if (t === "?" || t === "null" || t === "") return null;
  return /^\d+$/.test(t) ? Number(t) : t;
}

function ListField({ name, label, schema, value, required, onChange, readOnly, serverError, mode, integer = false }: TFieldProps & { mode: "numbers" | "lines" | "dims"; integer?: boolean }) {
  const id = useId();
  const itemTypes = (() => {
    const items = schema.items ? schema.items : schema.prefixItems?.[0];
    return items ? (items.anyOf ?? [items]).map((b) => b.type) : [];
  })();
  const buf = useTextBuffer(
    value,
    (v) => {
      if (!Array.isArray(v)) return "";
      if (mode === "lines") return v.map(String).join("\n");
      return v.map((x) => (x === null ? "?" : String(x))).join(", ");
    },
    (text) => {
      if (text.trim() === "") return { ok: true, value: required ? [] : undefined };
      if (mode === "lines") {
        const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
        return { ok: true, value: lines.map((l) => (itemTypes.includes("integer") && /^-?\d+$/.test(l) ? Number(l) : l)) };
      }
      const parts = text.split(/[\s,;]+/).filter((p) => p !== "");
      if (mode === "dims") return { ok: true, value: parts.map(parseDim) };
      const nums = parts.map(Number);
      const bad = parts.findIndex((p, i) => !Number.isFinite(nums[i]!) || (integer && !Number.isInteger(nums[i]!)));
      if (bad !== -1) return { ok: false, error: `'${parts[bad]}' is not ${integer ? "a whole number" : "a number"}.` };
      return { ok: true, value: nums };
    },
    onChange,
  );
  const count = Array.isArray(value) ? value.length : 0;
  const error = buf.error ?? localCheck(schema, value, required) ?? serverError;
  const hint = mode === "lines" ? "One per line." : mode === "dims" ? "Comma-separated: sizes, names (batch) or ? for unknown." : "Comma-separated numbers.";
  return (
    <Frame
      id={id}
      label={label}
      required={required}
      error={error}
      description={schema.description ? `${schema.description}. ${hint}` : hint}
      aside={<span className="pfield-count">{count ? `${count} ${count === 1 ? "entry" : "entries"}` : ""}</span>}
    >
      {mode === "lines" ? (
        <textarea id={id} name={name} className="input textarea pfield-lines" rows={Math.min(8, Math.max(3, count + 1))} value={buf.text} readOnly={readOnly} spellCheck={false} aria-invalid={error ? true : undefined} onChange={(e) => buf.onText(e.target.value)} />
      ) : (
        <input id={id} name={name} className="input mono-input" value={buf.text} readOnly={readOnly} spellCheck={false} aria-invalid={error ? true : undefined} onChange={(e) => buf.onText(e.target.value)} />
      )}
    </Frame>
  );
}

function JsonField({ name, label, schema, value, required, onChange, readOnly, serverError }: TFieldProps) {
  const id = useId();
  const buf = useTextBuffer(
    value,
    (v) => (v === undefined ? "" : JSON.stringify(v, null, 1)),
    (text) => {
      if (text.trim() === "") return { ok: true, value: undefined };
      try {
        return { ok: true, value: JSON.parse(text) as TJsonValue };
      } catch {
        return { ok: false, error: "Not valid JSON." };
      }
    },
    onChange,
  );
  const error = buf.error ?? serverError;
  return (
    <Frame id={id} label={label} required={required} error={error} description={schema.description ?? "JSON"}>
      <textarea id={id} name={name} className="input textarea pfield-lines" rows={3} value={buf.text} readOnly={readOnly} spellCheck={false} aria-invalid={error ? true : undefined} onChange={(e) => buf.onText(e.target.value)} />
    </Frame>
  );
}

/** A discriminated union (`kind`, `method`): choose the branch, then its own fields. */
function UnionField(props: TFieldProps & { issues: readonly TCompileIssue[] }) {
  const { name, label, schema, root, value, required, onChange, readOnly, issues } = props;
  const id = useId();
  const branches = (schema.oneOf ?? schema.anyOf ?? []).map((b) => resolveRef(b, root));
  const key = discriminatorOf(branches, root) ?? "kind";
  const obj = (value && typeof value === "object" && !Array.isArray(value) ? value : (schema.default ?? {})) as Record<string, TJsonValue>;
  const current = obj[key];
  const branch = branches.find((b) => b.properties?.[key]?.const === current);
  const rest: TSchema | undefined = branch ? { ...branch, properties: Object.fromEntries(Object.entries(branch.properties ?? {}).filter(([k]) => k !== key)) } : undefined;
  return (
    <div className={name ? "params-union" : "params-union params-union-root"}>
      <Frame id={id} label={label} required={required} error={issuesFor(issues, name ? `${name}.${key}` : key)} description={schema.description}>
        <select
          id={id}
          className="input select"
          value={current === undefined ? "" : String(current)}
          disabled={readOnly}
          onChange={(e) => {
            const b = branches.find((x) => String(x.properties?.[key]?.const) === e.target.value);
            if (!b) return;
            // Keep fields the new branch shares with the old one (e.g. dtype when switching kinds).
            const next: Record<string, TJsonValue> = { [key]: b.properties?.[key]?.const as TJsonValue };
            for (const k of Object.keys(b.properties ?? {})) if (k !== key && obj[k] !== undefined) next[k] = obj[k];
            for (const k of b.required ?? []) {
              if (next[k] !== undefined) continue;
              const p = resolveRef(b.properties?.[k] ?? {}, root);
              if (p.enum) next[k] = p.enum[0] as TJsonValue;
              else if (p.type === "array") next[k] = [];
              else if (p.oneOf) next[k] = (p.default as TJsonValue) ?? { kind: "json" };
            }
            onChange(next);
          }}
        >
          {current === undefined ? <option value="">Choose…</option> : null}
          {branches.map((b) => {
            const c = String(b.properties?.[key]?.const);
            return (
              <option key={c} value={c}>
                {c}
              </option>
            );
          })}
        </select>
      </Frame>
      {rest && Object.keys(rest.properties ?? {}).length ? (
        <div className="params-nested">
          <ObjectFields root={root} schema={rest} value={obj} onChange={(v) => onChange({ ...v, [key]: current as TJsonValue })} issues={issues} readOnly={readOnly} prefix={name} />
        </div>
      ) : null}
    </div>
  );
}
