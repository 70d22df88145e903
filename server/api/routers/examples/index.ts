import { router } from "../../trpc.ts";
import { install } from "./install.ts";

export const examplesRouter = router({ install });
