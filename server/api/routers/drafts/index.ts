import { router } from "../../trpc.ts";
import { get } from "./get.ts";
import { save } from "./save.ts";

export const draftsRouter = router({ get, save });
