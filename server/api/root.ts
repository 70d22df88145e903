import { router } from "./trpc.ts";
import { aliasesRouter } from "./routers/aliases/index.ts";
import { assetsRouter } from "./routers/assets/index.ts";
import { apiKeysRouter } from "./routers/api-keys/index.ts";
import { auditRouter } from "./routers/audit/index.ts";
import { batchesRouter } from "./routers/batches/index.ts";
import { authRouter } from "./routers/auth/index.ts";
import { draftsRouter } from "./routers/drafts/index.ts";
import { examplesRouter } from "./routers/examples/index.ts";
import { invocationsRouter } from "./routers/invocations/index.ts";
import { modelsRouter } from "./routers/models/index.ts";
import { nodesRouter } from "./routers/nodes/index.ts";
import { pipelinesRouter } from "./routers/pipelines/index.ts";
import { runsRouter } from "./routers/runs/index.ts";
import { samplesRouter } from "./routers/samples/index.ts";
import { usersRouter } from "./routers/users/index.ts";
import { versionsRouter } from "./routers/versions/index.ts";

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  pipelines: pipelinesRouter,
  drafts: draftsRouter,
  versions: versionsRouter,
  aliases: aliasesRouter,
  audit: auditRouter,
  nodes: nodesRouter,
  runs: runsRouter,
  apiKeys: apiKeysRouter,
  samples: samplesRouter,
  examples: examplesRouter,
  models: modelsRouter,
  invocations: invocationsRouter,
  assets: assetsRouter,
  batches: batchesRouter,
});

export type AppRouter = typeof appRouter;
