import { router } from "../../trpc.ts";
import { get } from "./get.ts";
import { restore } from "./restore.ts";
import { save } from "./save.ts";

export const draftsRouter = router({ get, save, restore });
