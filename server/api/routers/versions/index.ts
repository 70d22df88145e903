import { router } from "../../trpc.ts";
import { commit } from "./commit.ts";
import { get } from "./get.ts";
import { list } from "./list.ts";

export const versionsRouter = router({ list, get, commit });
