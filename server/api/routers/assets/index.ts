import { router } from "../../trpc.ts";
import { remove } from "./delete.ts";
import { get } from "./get.ts";
import { list } from "./list.ts";
import { upload } from "./upload.ts";

/** Files a pipeline's nodes use (vocabularies, tokenizer.json, label and character lists), by name and hash. */
export const assetsRouter = router({ list, get, upload, delete: remove });
