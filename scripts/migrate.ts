// `npm run db:migrate`: apply prisma/migrations to DATABASE_URL, or to the embedded PGlite database under
// DATA_DIR when DATABASE_URL is unset. The server does the same at every start; this is for deploy pipelines
// that migrate before rolling out. (PGlite is single-process: stop the server first.)
import { openDatabase } from "../server/db/client.ts";
import { env, pgliteDir } from "../server/env.ts";

const e = env();
const db = e.DATABASE_URL ? await openDatabase({ kind: "postgres", url: e.DATABASE_URL }) : await openDatabase({ kind: "pglite", dataDir: pgliteDir(e) });
console.log(db.applied.length ? `Applied ${db.applied.length} migration(s): ${db.applied.join(", ")}` : "No pending migrations to apply.");
await db.close();
