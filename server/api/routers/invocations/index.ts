import { router } from "../../trpc.ts";
import { compare } from "./compare.ts";
import { get } from "./get.ts";
import { keys } from "./keys.ts";
import { list } from "./list.ts";
import { sparklines } from "./sparklines.ts";
import { stats } from "./stats.ts";

export const invocationsRouter = router({ list, get, stats, sparklines, keys, compare });
