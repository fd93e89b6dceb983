/**
 * In-memory records (the programmatic API, `trainFromRecords`) → EncodedData: the schema from
 * inferSchema, the rows encoded with the Worker's `encodeRecords`, then placed like file rows.
 */
import { encodeRecords, FeatureSchemaError, type FeatureSchema } from "../../functions/registry/feature-schema.ts";
import type { EncodedData } from "./encoded-data.ts";
import { RowPlacer } from "./encoded-data.ts";
import { TrainingInputError } from "./errors.ts";
import { inferSchema, type SchemaRequest } from "./infer-schema.ts";
import type { DataRecord } from "./read-records.ts";
import { MemoryRowStore } from "./row-store.ts";
import { classIndices, regressionValues } from "./targets.ts";

export interface EncodeSettings {
  fractions: { validation: number; test: number };
  seed: number;
  standardize: boolean;
}

function encode(schema: FeatureSchema, records: DataRecord[]) {
  try {
    return encodeRecords(schema, records);
  } catch (error) {
    if (error instanceof FeatureSchemaError) throw new TrainingInputError(error.message.replace(/record (\d+)/, (_, r) => `row ${Number(r) + 1}`));
    throw error;
  }
}

export function encodeInMemory(allRecords: DataRecord[], request: SchemaRequest, settings: EncodeSettings): EncodedData {
  const { schema, columns, droppedRows, records } = inferSchema(allRecords, request);
  const raw = encode(schema, records);
  const labels = schema.task === "classification" ? classIndices(schema, records) : undefined;
  const values = labels ? undefined : regressionValues(schema, records);
  const groupSizes = labels ? new Array<number>(schema.classes!.length).fill(0) : [records.length];
  if (labels) for (const label of labels) groupSizes[label]++;
  const placer = new RowPlacer({ schema, groupSizes, ...settings, store: (sizes) => new MemoryRowStore(schema.inputWidth, sizes) });
  for (let r = 0; r < raw.rows; r++) {
    const row = raw.data.subarray(r * raw.cols, (r + 1) * raw.cols);
    placer.place(row, labels ? labels[r] : 0, values?.data.subarray(r * values.cols, (r + 1) * values.cols));
  }
  return placer.encoded({ schema, columns, rowsRead: allRecords.length, droppedRows, badValues: [] });
}
