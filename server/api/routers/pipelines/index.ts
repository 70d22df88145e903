import { router } from "../../trpc.ts";
import { archive } from "./archive.ts";
import { create } from "./create.ts";
import { get } from "./get.ts";
import { list } from "./list.ts";
import { openapi } from "./openapi.ts";
import { rename } from "./rename.ts";
import { setCachePolicy } from "./set-cache-policy.ts";
import { setLogPolicy } from "./set-log-policy.ts";
import { validate } from "./validate.ts";

export const pipelinesRouter = router({ list, get, create, rename, archive, validate, setLogPolicy, setCachePolicy, openapi });
