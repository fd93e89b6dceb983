/** The shared feature-schema contract: encoding of raw records and decoding of outputs. */
import { describe, expect, it } from "vitest";
import { encodeRecords, FEATURE_SCHEMA_KEY, FeatureSchemaError, parseFeatureSchema, type FeatureSchema } from "../../../functions/registry/feature-schema.ts";

const schema: FeatureSchema = {
  version: 1,
  task: "classification",
  target: "y",
  features: [
    { name: "a", kind: "numeric" },
    { name: "c", kind: "categorical", categories: ["red", "blue"] },
  ],
  inputName: "input",
  inputWidth: 3,
  classes: ["no", "yes"],
  outputs: { probabilities: "probabilities", label: "label" },
};

describe("feature schema", () => {
  it("passes numbers raw, parses numeric strings, NaN for missing, one-hot categories", () => {
    const { data, rows, cols } = encodeRecords(schema, [{ a: "1.5", c: "blue" }, { a: null, c: "green" }, { a: "NA" }, { a: 2, c: "" }]);
    expect([rows, cols]).toEqual([4, 3]);
    expect(Array.from(data)).toEqual([1.5, 0, 1, NaN, 0, 0, NaN, 0, 0, 2, 0, 0]);
  });
  it("names the record and field of garbage", () => {
    expect(() => encodeRecords(schema, [{ a: 1 }, { a: "abc" }])).toThrow(new FeatureSchemaError('record 1, field "a": "abc" is not a number'));
    expect(() => encodeRecords(schema, [[1, 2]])).toThrow(/record 0 is not an object/);
  });
  it("parses, rejects malformed and inconsistent schemas, and is absent when missing", () => {
    expect(parseFeatureSchema({})).toBeUndefined();
    expect(parseFeatureSchema({ [FEATURE_SCHEMA_KEY]: JSON.stringify(schema) })).toEqual(schema);
    expect(() => parseFeatureSchema({ [FEATURE_SCHEMA_KEY]: "{" })).toThrow(FeatureSchemaError);
    expect(() => parseFeatureSchema({ [FEATURE_SCHEMA_KEY]: JSON.stringify({ ...schema, inputWidth: 4 }) })).toThrow(/inputWidth/);
  });
});
