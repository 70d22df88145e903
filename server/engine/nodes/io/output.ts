import { z } from "zod";
import { defineNode } from "../../define-node.ts";
import { ZIoName } from "../../graph/schema.ts";
import { kinds } from "../../types/kinds.ts";
import { imagesAsDataUrls } from "../shared.ts";

export const output = defineNode({
  type: "io/output@v1",
  title: "Output",
  category: "io",
  description: "A named pipeline output: the field the response carries. Images are sent as PNG data URLs.",
  params: z.object({ name: ZIoName.meta({ description: "Field name in the API response" }), description: z.string().max(500).optional() }),
  ports: { inputs: { value: { kind: kinds.any() } }, outputs: {} },
  execute(inputs, _p, ctx) {
    const value = imagesAsDataUrls(inputs.value, ctx);
    return value instanceof Promise ? value.then((v) => ({ value: v })) : { value };
  },
});
