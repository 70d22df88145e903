import { router } from "../../trpc.ts";
import { remove } from "./delete.ts";
import { get } from "./get.ts";
import { list } from "./list.ts";
import { setLabels } from "./set-labels.ts";

/** Uploads are not here: files up to 1 GiB stream through POST /api/models (server/http/model-upload.ts). */
export const modelsRouter = router({ list, get, delete: remove, setLabels });
