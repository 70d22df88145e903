import { router } from "../../trpc.ts";
import { remove } from "./delete.ts";
import { list } from "./list.ts";
import { save } from "./save.ts";

export const samplesRouter = router({ list, save, delete: remove });
