"use client";

import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/trpc/client";
import { FormError } from "@/components/ui/alert";
import { splitErrors } from "@/components/ui/errors";
import { TextAreaField, TextField } from "@/components/ui/field";
import { Modal } from "@/components/ui/modal";
import { useInvalidatePipelines } from "./use-invalidate";

export interface TPipelineSummary {
  slug: string;
  name: string;
  description: string;
}

export function RenamePipelineDialog({ pipeline, onClose }: { pipeline: TPipelineSummary; onClose: () => void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidatePipelines();
  const [name, setName] = useState(pipeline.name);
  const [description, setDescription] = useState(pipeline.description);
  const rename = useMutation(
    trpc.pipelines.rename.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onClose();
      },
    }),
  );
  const errors = splitErrors(rename.error, ["name", "description"] as const);
  const formId = `rename-${pipeline.slug}`;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    rename.mutate({ slug: pipeline.slug, name: name.trim(), description: description.trim() });
  }

  return (
    <Modal
      title={`Rename ${pipeline.name}`}
      onClose={onClose}
      testId="rename-dialog"
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="btn btn-primary" disabled={rename.isPending || !name.trim()}>
            {rename.isPending ? "Saving…" : "Save"}
          </button>
        </>
      }
    >
      <form id={formId} className="form-stack" onSubmit={onSubmit} noValidate>
        <TextField label="Name" value={name} maxLength={120} autoFocus onChange={(e) => setName(e.target.value)} error={errors.fields.name} />
        <TextAreaField label="Description" rows={3} maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} error={errors.fields.description} />
        <p className="field-hint">
          The slug <code>{pipeline.slug}</code> stays the same: it is part of every published URL.
        </p>
        <FormError message={errors.form} />
      </form>
    </Modal>
  );
}
