import { router } from "../../trpc.ts";
import { test } from "./test.ts";

export const runsRouter = router({ test });
