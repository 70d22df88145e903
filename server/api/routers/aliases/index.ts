import { router } from "../../trpc.ts";
import { list } from "./list.ts";
import { promote } from "./promote.ts";
import { set } from "./set.ts";
import { split } from "./split.ts";

export const aliasesRouter = router({ list, set, split, promote });
