import { router } from "../../trpc.ts";
import { cancel } from "./cancel.ts";
import { create } from "./create.ts";
import { dataset } from "./dataset.ts";
import { get } from "./get.ts";
import { list } from "./list.ts";
import { retry } from "./retry.ts";
import { rows } from "./rows.ts";

/** Batch jobs. Dataset uploads are not here: files stream through POST /api/datasets (server/http/dataset-upload.ts). */
export const batchesRouter = router({ dataset, create, list, get, cancel, retry, rows });
