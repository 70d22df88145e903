import { router } from "../../trpc.ts";
import { catalog } from "./catalog.ts";

export const nodesRouter = router({ catalog });
