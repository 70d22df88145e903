"use client";

import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/trpc/client";
import { FormError } from "@/components/ui/alert";
import { splitErrors } from "@/components/ui/errors";
import { TextAreaField, TextField } from "@/components/ui/field";
import { suggestSlug } from "./slug";
import { useInvalidatePipelines } from "./use-invalidate";

const FIELDS = ["name", "slug", "description"] as const;

export function CreatePipelineForm({ onCreated, onCancel }: { onCreated: (p: { slug: string; name: string }) => void; onCancel: () => void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidatePipelines();
  const [name, setName] = useState("");
  const [slugInput, setSlugInput] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const [description, setDescription] = useState("");
  const [nameMissing, setNameMissing] = useState(false);
  // The slug follows the name until the user types one of their own.
  const slug = slugEdited ? slugInput : suggestSlug(name);

  const create = useMutation(
    trpc.pipelines.create.mutationOptions({
      onSuccess: async (p) => {
        await invalidate();
        onCreated(p);
      },
    }),
  );
  const errors = splitErrors(create.error, FIELDS, { INVALID_SLUG: "slug", SLUG_TAKEN: "slug" });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) {
      setNameMissing(true);
      return;
    }
    create.mutate({ name: name.trim(), slug, description: description.trim() || undefined });
  }

  return (
    <form className="card create-card" onSubmit={onSubmit} noValidate aria-labelledby="create-pipeline-title" data-testid="create-pipeline-form">
      <div className="card-header">
        <div>
          <h2 className="card-title" id="create-pipeline-title">
            New pipeline
          </h2>
          <p className="card-subtitle">Starts with a draft that wires one input to one output.</p>
        </div>
      </div>
      <div className="card-body">
        <div className="form-grid">
          <TextField
            label="Name"
            value={name}
            autoFocus
            placeholder="Iris classifier"
            maxLength={120}
            onChange={(e) => {
              setName(e.target.value);
              setNameMissing(false);
              create.reset();
            }}
            error={nameMissing ? "Give the pipeline a name." : errors.fields.name}
          />
          <TextField
            label="Slug"
            value={slug}
            placeholder="iris-classifier"
            className="mono-input"
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            onChange={(e) => {
              setSlugInput(e.target.value);
              setSlugEdited(e.target.value !== "");
              create.reset();
            }}
            error={errors.fields.slug}
            hint={
              <>
                Lowercase letters, digits and single hyphens. Used in API URLs: <code>/api/v1/pipelines/{slug || "…"}/invoke</code>
              </>
            }
          />
          <TextAreaField
            label="Description"
            className="form-grid-wide"
            rows={2}
            maxLength={2000}
            value={description}
            placeholder="What does this pipeline do? Optional."
            onChange={(e) => {
              setDescription(e.target.value);
              create.reset();
            }}
            error={errors.fields.description}
          />
        </div>
        <FormError message={errors.form} />
      </div>
      <div className="card-footer">
        <button type="button" className="btn btn-ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create pipeline"}
        </button>
      </div>
    </form>
  );
}
