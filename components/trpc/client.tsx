"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { useState, type ReactNode } from "react";
// The one place the client imports from server/: a type, erased at build time.
import type { AppRouter } from "@/server/api/root.ts";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** Procedure inputs/outputs as the browser sees them (dates arrive as ISO strings). */
export type TRouterInputs = inferRouterInputs<AppRouter>;
export type TRouterOutputs = inferRouterOutputs<AppRouter>;

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (count, error) => count < 2 && !isAppError(error),
      },
    },
  });
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "/api/trpc", fetch: (url, init) => fetch(url, { ...init, credentials: "same-origin" }) })] }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

/** The error shape our tRPC errorFormatter sends: a stable app code plus details. */
export interface TAppErrorData {
  appCode?: string;
  details?: Record<string, unknown>;
  httpStatus?: number;
}

export function appErrorData(error: unknown): TAppErrorData | undefined {
  if (typeof error === "object" && error !== null && "data" in error) return (error as { data?: TAppErrorData }).data;
  return undefined;
}

function isAppError(error: unknown): boolean {
  const code = appErrorData(error)?.appCode;
  return code !== undefined && code !== "INTERNAL";
}
