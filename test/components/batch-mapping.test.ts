import { describe, expect, it } from "vitest";
import { choicesFromMapping, datasetFormat, formatEta, mappingFromChoices, parseTarget, targetValue } from "../../components/batches/mapping-choices.ts";
import { kinds } from "../../server/engine/types/kinds.ts";
import { checkMapping, defaultMapping, mapRecord, parseMapping, type TPipelineInput } from "../../server/services/batches/mapping.ts";

const iris: TPipelineInput[] = [{ name: "flower", kind: kinds.json(), required: true }];
const irisColumns = ["sepal_length", "sepal_width", "petal_length", "petal_width"];

describe("the batch form's column mapping", () => {
  it("reads the dataset format from the file name", () => {
    expect(["a.csv", "B.CSV", "x.jsonl", "x.ndjson", "imgs.zip", "notes.txt", "csv"].map(datasetFormat)).toEqual(["csv", "csv", "jsonl", "jsonl", "zip", null, null]);
  });

  it("round-trips the server's suggested mapping: iris' four columns become the flower record, and the server accepts it", () => {
    const suggested = defaultMapping("csv", irisColumns, iris);
    const choices = choicesFromMapping(suggested, iris);
    expect(choices).toEqual({ flower: { type: "record" } });
    const back = mappingFromChoices(choices, iris, irisColumns)!;
    expect(back).toEqual(suggested);
    const parsed = parseMapping(back);
    expect(() => checkMapping(parsed, "csv", irisColumns, iris)).not.toThrow();
    expect(mapRecord(parsed, "csv", irisColumns, iris, ["5.1", "3.5", "1.4", "0.2"])).toEqual({ flower: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 } }) // CSV cells become numbers where they parse;
  });

  it("a record takes only the columns no other input takes directly", () => {
    const inputs: TPipelineInput[] = [
      { name: "id", kind: kinds.string(), required: true },
      { name: "features", kind: kinds.json(), required: true },
    ];
    const m = mappingFromChoices({ id: { type: "column", column: "row_id" }, features: { type: "record" } }, inputs, ["row_id", "a", "b"]);
    expect(m).toEqual({ id: { column: "row_id" }, features: { fields: { a: { column: "a" }, b: { column: "b" } } } });
  });

  it("is ambiguous (null) when two inputs want the record or the record would be empty", () => {
    const two: TPipelineInput[] = [
      { name: "a", kind: kinds.json(), required: true },
      { name: "b", kind: kinds.json(), required: true },
    ];
    expect(mappingFromChoices({ a: { type: "record" }, b: { type: "record" } }, two, ["x"])).toBeNull();
    expect(mappingFromChoices({ a: { type: "column", column: "x" }, b: { type: "record" } }, two, ["x"])).toBeNull();
  });

  it("an unmapped required input is refused by the server with MAPPING_INVALID", () => {
    const m = mappingFromChoices({ flower: { type: "none" } }, iris, irisColumns)!;
    expect(m).toEqual({});
    expect(() => checkMapping(parseMapping(m), "csv", irisColumns, iris)).toThrow(expect.objectContaining({ code: "MAPPING_INVALID" }));
  });

  it("zip datasets map the file; plain keys come back as column choices", () => {
    const image: TPipelineInput[] = [{ name: "image", kind: kinds.image(), required: true }];
    expect(choicesFromMapping(defaultMapping("zip", [], image), image)).toEqual({ image: { type: "file" } });
    expect(mappingFromChoices({ image: { type: "file" } }, image, [])).toEqual({ image: { file: true } });
    expect(choicesFromMapping({ flower: "col" }, iris)).toEqual({ flower: { type: "column", column: "col" } });
    expect(choicesFromMapping(null, iris)).toEqual({ flower: { type: "none" } });
  });

  it("targets and ETAs", () => {
    expect(parseTarget(targetValue({ alias: "production" }))).toEqual({ alias: "production" });
    expect(parseTarget(targetValue({ version: 12 }))).toEqual({ version: 12 });
    expect([0, 42.4, 60, 150, 3600, 7300].map(formatEta)).toEqual(["0 s", "42 s", "1 min", "2 min 30 s", "1 h", "2 h 1 min"]);
  });
});
