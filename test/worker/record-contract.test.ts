/**
 * Raw records are held to the model's feature schema at the edge (functions/registry/record-encoding.ts):
 * answers equal onnxruntime-node's on the records encoded by hand as the contract says (the
 * `tabular` cases of global-setup.ts), refusals name the field, leniency is opt-in and reported per row.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { closestName } from "../../shared/did-you-mean.ts";
import { json, post } from "./http.ts";
import { seedRegistry } from "./seed.ts";

beforeAll(async () => {
  await seedRegistry(env.MODELS);
});

type Prediction = { label: string; probabilities: Record<string, number> };

const predict = async (body: unknown, model = "tabular") => json(await post(`/v1/models/${model}:predict`, body));

function expectSameAnswers(actual: Prediction[], expected: Prediction[]): void {
  expect(actual.map((p) => p.label)).toEqual(expected.map((p) => p.label));
  for (const [i, p] of actual.entries()) {
    expect(Object.keys(p.probabilities)).toEqual(Object.keys(expected[i].probabilities));
    for (const [label, probability] of Object.entries(expected[i].probabilities)) {
      expect(Math.abs(p.probabilities[label] - probability), `row ${i}, ${label}`).toBeLessThanOrEqual(1e-5);
    }
  }
}

const tabularCase = (title: string) => {
  const found = inject("tabular").cases[title];
  if (!found) throw new Error(`no tabular case "${title}"`);
  return found;
};

describe("records that meet the schema", () => {
  it("complete records: onnxruntime-node's answers, and nothing reported as adjusted", async () => {
    const { records, expected } = tabularCase("complete");
    const { status, body } = await predict({ instances: records });
    expect(status).toBe(200);
    expectSameAnswers(body.predictions, expected);
    expect(body).not.toHaveProperty("adjustments");
  });

  it("the schema records which features had missing values in training", () => {
    const missing = Object.fromEntries(inject("tabular").schema.features.map((f) => [f.name, f.missing]));
    expect(missing.age).toBeGreaterThan(0);
    expect(missing.smoker).toBeGreaterThan(0);
    expect(missing.height).toBe(0);
    expect(missing.sex).toBe(0);
  });

  it("a feature that had missing values in training is imputed as trained, and the row says so", async () => {
    for (const [title, adjustments] of [
      ["age absent (missing in training): imputed", [{ imputed: ["age"] }, null]],
      ["smoker null (missing in training): imputed", [null, { imputed: ["smoker"] }]],
    ] as const) {
      const { records, expected } = tabularCase(title);
      const { status, body } = await predict({ instances: records });
      expect(status, title).toBe(200);
      expectSameAnswers(body.predictions, expected);
      expect(body.adjustments, title).toEqual(adjustments);
    }
  });

  it("numeric strings are numbers; categories match after trimming", async () => {
    const { records, expected } = tabularCase("complete");
    const asText = records.map((r) => ({ ...r, age: String(r.age), height: ` ${r.height} `, sex: ` ${r.sex}` }));
    const { status, body } = await predict({ instances: asText });
    expect(status).toBe(200);
    expectSameAnswers(body.predictions, expected);
  });

  it("columnar records (`inputs`: one list per feature) answer in columns", async () => {
    const { records, expected } = tabularCase("complete");
    const columns = Object.fromEntries(Object.keys(records[0]).map((name) => [name, records.map((r) => r[name])]));
    const { status, body } = await predict({ inputs: columns });
    expect(status).toBe(200);
    expect(body.outputs.label).toEqual(expected.map((p) => p.label));
    expectSameAnswers(
      body.outputs.label.map((label: string, i: number) => ({ label, probabilities: body.outputs.probabilities[i] })),
      expected,
    );
    const ragged = await predict({ inputs: { ...columns, age: [30] } });
    expect(ragged.status).toBe(400);
    expect(ragged.body.error).toMatch(/inputs\."height" has 4 values, but inputs\."age" has 1/);
  });
});

describe("records that do not meet the schema are refused, naming the field", () => {
  const [first] = [{ age: 30, height: 181.5, sex: "male", smoker: "no" }];

  it("a missing feature the training data always had", async () => {
    const { records } = tabularCase("height absent (never missing in training): imputed on request");
    const { status, body } = await predict({ instances: records });
    expect(status).toBe(400);
    expect(body.error).toMatch(/record 0: missing feature "height"/);
    expect(body.error).toContain('"missing": "impute"');
  });

  it("an empty record lists every feature it lacks that was never missing in training", async () => {
    const { status, body } = await predict({ instances: [{}] });
    expect(status).toBe(400);
    expect(body.error).toMatch(/missing features "height", "sex"/);
    const iris = await predict({ instances: [{}] }, "iris");
    expect(iris.status).toBe(400);
    expect(iris.body.error).toMatch(/missing features "sepal_length", "sepal_width", "petal_length", "petal_width"/);
  });

  it("a field the model does not know, with the closest known name", async () => {
    const { status, body } = await predict({ instances: [{ ...first, heigth: 181.5 }] });
    expect(status).toBe(400);
    expect(body.error).toMatch(/record 0: field "heigth" is not a feature of the model \(did you mean "height"\?\)/);
    const iris = await predict({ instances: [{ sepal_lenght: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }] }, "iris");
    expect(iris.body.error).toMatch(/field "sepal_lenght" .*did you mean "sepal_length"/);
    const target = await predict({ instances: [{ ...first, risk: "high" }] });
    expect(target.status).toBe(400);
    expect(target.body.error).toMatch(/field "risk" is the model's target, not a feature/);
  });

  it("a value of the wrong kind", async () => {
    for (const [record, pattern] of [
      [{ ...first, height: "tall" }, /record 0, field "height": "tall" is not a number/],
      [{ ...first, height: true }, /field "height": true is not a number/],
      [{ ...first, height: [181.5] }, /field "height": \[181.5\] is not a number/],
      [{ ...first, sex: 1 }, /field "sex": 1 is not a category \(known: "female", "male"\)/],
      [{ ...first, sex: { name: "male" } }, /field "sex": \{"name":"male"\} is not a category/],
    ] as const) {
      const { status, body } = await predict({ instances: [first, record] });
      expect(status, JSON.stringify(record)).toBe(400);
      expect(body.error.replace("record 1", "record 0")).toMatch(pattern);
    }
  });

  it("a category not seen in training, listing the known ones", async () => {
    const { records } = tabularCase("unseen sex: ignored on request");
    const { status, body } = await predict({ instances: records });
    expect(status).toBe(400);
    expect(body.error).toMatch(/record 0, field "sex": "other" is not a category seen in training \(known: "female", "male"\)/);
    expect(body.error).toContain('"unknown_category": "ignore"');
  });

  it("a record that is not an object, and parameters that are not the rules", async () => {
    expect((await predict({ instances: [{ ...first }, [1, 2]] })).body.error).toMatch(/record 1 is not an object/);
    const typo = await predict({ instances: [first], parameters: { missing: "imput" } });
    expect(typo.status).toBe(400);
    expect(typo.body.error).toMatch(/parameters\.missing/);
    const unknown = await predict({ instances: [first], parameters: { missing: "impute", lenient: true } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/lenient/);
  });
});

describe("opt-in leniency, reported per row", () => {
  it('"missing": "impute" imputes a feature the training data always had', async () => {
    const { records, expected } = tabularCase("height absent (never missing in training): imputed on request");
    const { status, body } = await predict({ instances: records, parameters: { missing: "impute" } });
    expect(status).toBe(200);
    expectSameAnswers(body.predictions, expected);
    expect(body.adjustments).toEqual([{ imputed: ["height"] }]);
  });

  it('"unknown_category": "ignore" encodes an unseen category as none of the known ones', async () => {
    const { records, expected } = tabularCase("unseen sex: ignored on request");
    const { status, body } = await predict({ instances: records, parameters: { unknown_category: "ignore" } });
    expect(status).toBe(200);
    expectSameAnswers(body.predictions, expected);
    expect(body.adjustments).toEqual([{ ignored_categories: { sex: "other" } }, null]);
  });

  it('"unknown_field": "ignore" leaves unknown fields out', async () => {
    const { records, expected } = tabularCase("complete");
    const withExtra = [{ ...records[0], heigth: 1, risk: "low" }, records[1]];
    const { status, body } = await predict({ instances: withExtra, parameters: { unknown_field: "ignore" } });
    expect(status).toBe(200);
    expectSameAnswers(body.predictions, expected.slice(0, 2));
    expect(body.adjustments).toEqual([{ ignored_fields: ["heigth", "risk"] }, null]);
  });

  it("columnar records report per row too", async () => {
    const { records, expected } = tabularCase("age absent (missing in training): imputed");
    const columns = { height: records.map((r) => r.height), sex: records.map((r) => r.sex), smoker: records.map((r) => r.smoker), age: [null, records[1].age] };
    const { status, body } = await predict({ inputs: columns });
    expect(status).toBe(200);
    expect(body.outputs.label).toEqual(expected.map((p) => p.label));
    expect(body.adjustments).toEqual([{ imputed: ["age"] }, null]);
  });
});

describe("array rows to a trainer-made model answer with label names", () => {
  it("iris rows (features in schema order) give the labels and probabilities records give", async () => {
    const { records, expected } = inject("trained");
    // The records come from the CSV file: numbers as text.
    const rows = records.map((r) => ["sepal_length", "sepal_width", "petal_length", "petal_width"].map((name) => Number(r[name])));
    const { status, body } = await predict({ instances: rows }, "iris");
    expect(status, JSON.stringify(body)).toBe(200);
    expectSameAnswers(body.predictions, expected as Prediction[]);
    const columnar = await predict({ inputs: rows }, "iris");
    expect(columnar.body.outputs.label).toEqual((expected as Prediction[]).map((p) => p.label));
  });
});

it("the closest known name: a name containing the typed one first, else the nearest by edit distance", () => {
  const wine = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids", "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280_od315_of_diluted_wines", "proline"];
  expect(closestName("od280", wine)).toBe("od280_od315_of_diluted_wines");
  expect(closestName("Alcohol", wine)).toBe("alcohol");
  expect(closestName("magnesum", wine)).toBe("magnesium");
  expect(closestName("color_intensity_x", wine)).toBe("color_intensity");
  expect(closestName("ash", ["alcalinity_of_ash", "ash"])).toBe("ash");
});
