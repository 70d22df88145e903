import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // PGlite loads its wasm through new URL(..., import.meta.url): keep it out of the bundle.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "@node-rs/argon2"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
