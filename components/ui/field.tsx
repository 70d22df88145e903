"use client";

import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";

interface TFieldFrame {
  label: ReactNode;
  error?: string | undefined;
  hint?: ReactNode;
  /** Extra content right of the label (e.g. a counter or link). */
  aside?: ReactNode;
  className?: string;
}

function Frame({ id, label, error, hint, aside, className, children }: TFieldFrame & { id: string; children: ReactNode }) {
  return (
    <div className={`field${error ? " field-invalid" : ""}${className ? ` ${className}` : ""}`}>
      <div className="field-label-row">
        <label htmlFor={id} className="field-label">
          {label}
        </label>
        {aside}
      </div>
      {children}
      {error ? (
        <p className="field-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      ) : hint ? (
        <p className="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

function describedBy(id: string, error: string | undefined, hint: ReactNode): string | undefined {
  if (error) return `${id}-error`;
  if (hint) return `${id}-hint`;
  return undefined;
}

export function TextField({ label, error, hint, aside, className, ...input }: TFieldFrame & Omit<InputHTMLAttributes<HTMLInputElement>, "className">) {
  const generated = useId();
  const id = input.id ?? generated;
  return (
    <Frame id={id} label={label} error={error} hint={hint} aside={aside} className={className}>
      <input {...input} id={id} className="input" aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, error, hint)} />
    </Frame>
  );
}

export function TextAreaField({ label, error, hint, aside, className, ...input }: TFieldFrame & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "className">) {
  const generated = useId();
  const id = input.id ?? generated;
  return (
    <Frame id={id} label={label} error={error} hint={hint} aside={aside} className={className}>
      <textarea {...input} id={id} className="input textarea" aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, error, hint)} />
    </Frame>
  );
}

export function SelectField({ label, error, hint, aside, className, children, ...select }: TFieldFrame & Omit<SelectHTMLAttributes<HTMLSelectElement>, "className">) {
  const generated = useId();
  const id = select.id ?? generated;
  return (
    <Frame id={id} label={label} error={error} hint={hint} aside={aside} className={className}>
      <select {...select} id={id} className="input select" aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, error, hint)}>
        {children}
      </select>
    </Frame>
  );
}
