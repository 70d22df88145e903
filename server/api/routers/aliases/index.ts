import { router } from "../../trpc.ts";
import { list } from "./list.ts";
import { set } from "./set.ts";

export const aliasesRouter = router({ list, set });
