"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { useTRPC } from "@/components/trpc/client";
import { FormError } from "@/components/ui/alert";
import { errorInfo } from "@/components/ui/errors";
import { TextField } from "@/components/ui/field";
import { LoadingBlock } from "@/components/ui/states";
import { AuthFrame } from "./auth-frame";

export function SignInForm() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const status = useQuery(trpc.auth.setupStatus.queryOptions());
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  useEffect(() => {
    if (status.data?.needsSetup) router.replace("/setup");
  }, [status.data?.needsSetup, router]);

  const signIn = useMutation(
    trpc.auth.signIn.mutationOptions({
      onSuccess: () => {
        qc.clear();
        router.replace("/pipelines");
      },
    }),
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    signIn.mutate({ email: email.trim(), password });
  }

  if (status.isPending || status.data?.needsSetup) return <LoadingBlock />;

  const error = signIn.error ? errorInfo(signIn.error) : undefined;
  const message = error?.code === "INVALID_CREDENTIALS" ? "Wrong email or password." : error?.message;

  return (
    <AuthFrame title="Sign in" subtitle="Welcome back. Sign in to build and publish pipelines." footer="Forgot your password? Ask an administrator to reset it.">
      <form className="form-stack" onSubmit={onSubmit} noValidate>
        <TextField label="Email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} autoFocus required />
        <TextField label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        <FormError message={message} testId="sign-in-error" />
        <button type="submit" className="btn btn-primary btn-block" disabled={signIn.isPending || signIn.isSuccess || !email.trim() || !password}>
          {signIn.isPending || signIn.isSuccess ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </AuthFrame>
  );
}
