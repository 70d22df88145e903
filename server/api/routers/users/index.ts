import { router } from "../../trpc.ts";
import { create } from "./create.ts";
import { list } from "./list.ts";
import { setRole } from "./set-role.ts";

export const usersRouter = router({ list, create, setRole });
