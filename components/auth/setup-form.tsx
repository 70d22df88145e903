"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { useTRPC } from "@/components/trpc/client";
import { FormError } from "@/components/ui/alert";
import { errorCode, splitErrors } from "@/components/ui/errors";
import { TextField } from "@/components/ui/field";
import { LoadingBlock } from "@/components/ui/states";
import { AuthFrame } from "./auth-frame";

const FIELDS = ["email", "name", "password"] as const;
type TField = (typeof FIELDS)[number] | "confirm";

/** First run: creates the admin account, signs it in and opens the app. */
export function SetupForm() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const status = useQuery(trpc.auth.setupStatus.queryOptions());
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [local, setLocal] = useState<Partial<Record<TField, string>>>({});

  const setup = useMutation(
    trpc.auth.setup.mutationOptions({
      onSuccess: () => {
        qc.clear();
        router.replace("/pipelines");
      },
    }),
  );

  // Someone already set Inferline up (maybe in another tab): sign in instead.
  const alreadyDone = !setup.isSuccess && (status.data?.needsSetup === false || errorCode(setup.error) === "SETUP_ALREADY_DONE");
  useEffect(() => {
    if (alreadyDone) router.replace("/sign-in");
  }, [alreadyDone, router]);

  const server = splitErrors(setup.error, FIELDS, { EMAIL_TAKEN: "email" });
  const errors: Partial<Record<TField, string>> = { ...server.fields, ...local };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const next: Partial<Record<TField, string>> = {};
    if (!email.trim()) next.email = "Enter your email address.";
    if (password.length < 8) next.password = "Use at least 8 characters.";
    if (confirm !== password) next.confirm = "The passwords don't match.";
    setLocal(next);
    if (Object.keys(next).length > 0) return;
    setup.mutate({ email: email.trim(), name: name.trim(), password });
  }

  if (status.isPending || alreadyDone) return <LoadingBlock label={alreadyDone ? "Setup is done; opening sign-in…" : "Loading…"} />;

  return (
    <AuthFrame title="Set up Inferline" subtitle="Create the first administrator account. You can invite your team afterwards.">
      <form className="form-stack" onSubmit={onSubmit} noValidate>
        <TextField label="Email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} autoFocus />
        <TextField label="Name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} hint="Shown to your team. Optional." />
        <TextField label="Password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} error={errors.password} hint="At least 8 characters." />
        <TextField label="Confirm password" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} error={errors.confirm} />
        <FormError message={server.form} />
        <button type="submit" className="btn btn-primary btn-block" disabled={setup.isPending || setup.isSuccess}>
          {setup.isPending || setup.isSuccess ? "Creating account…" : "Create admin account"}
        </button>
      </form>
    </AuthFrame>
  );
}
