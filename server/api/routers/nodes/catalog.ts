import { catalog as buildCatalog } from "../../../engine/registry.ts";
import { registry } from "../../../engine/nodes/index.ts";
import { protectedProcedure } from "../../trpc.ts";

// Derived once: the registry is fixed for the life of the process.
const entries = buildCatalog(registry);

/** Node types with their ports and params as JSON Schema: data for the editor's palette and forms. */
export const catalog = protectedProcedure.query(() => entries);
