# syntax=docker/dockerfile:1
# Inferline image: multi-stage (deps → build → runtime), runs as a non-root user, fetches nothing at run time
# (models and assets live in the database and are cached under /data per container).

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# onnxruntime-node's install script downloads CUDA binaries; the CPU binaries ship in the package.
ENV ONNXRUNTIME_NODE_INSTALL=skip NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
# postinstall runs `prisma generate` (offline: scripts/prisma-schema-engine.mjs stands in for the schema engine).
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
RUN npx next build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
RUN groupadd --system inferline && useradd --system --gid inferline --home-dir /app --no-create-home inferline \
  && mkdir -p /data && chown inferline:inferline /data
WORKDIR /app
# The application tree is owned by root and read-only for the app user; only /data is writable.
COPY --from=build /app /app
USER inferline
EXPOSE 3000
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Web role by default; the worker service runs `node --import tsx server/worker.ts` from the same image.
CMD ["node", "--import", "tsx", "server/main.ts"]
