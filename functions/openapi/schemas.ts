/**
 * The component schemas of the OpenAPI document. Request bodies and shared records come from the
 * zod schemas the Worker validates with (z.toJSONSchema), so the document cannot drift from them;
 * response shapes the routes build by hand are written here once.
 */
import * as z from "zod";
import { featureSchemaSchema } from "../registry/feature-schema.ts";
import { DATATYPES, tensorSpecSchema } from "../registry/manifest.ts";
import { recordParameters } from "../protocol/v1-request.ts";
import { inferRequestSchema } from "../protocol/v2-request.ts";
import { chartsRequestSchema } from "../ui/charts.ts";

type JsonSchema = Record<string, unknown>;

/** A zod schema as an OpenAPI 3.1 (JSON Schema 2020-12) schema object, without the $schema key. */
function fromZod(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    // z.custom (the infer request's `data`, checked only with Array.isArray) has no JSON Schema form.
    override: (ctx) => {
      if (ctx.zodSchema._zod.def.type === "custom") Object.assign(ctx.jsonSchema, { type: "array", description: "the tensor's values, flat or nested, in row-major order" });
    },
  }) as JsonSchema;
  delete json.$schema;
  return json;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const numberMap: JsonSchema = { type: "object", additionalProperties: { type: "number" } };

/**
 * Built on first use, not when the module loads: z.toJSONSchema's first calls cost ~8-14 ms of
 * CPU (measured in Node), which every isolate would otherwise pay at start-up, where Cloudflare
 * counts CPU against a 1 s limit, for a document only GET /openapi.json serves.
 */
let built: Record<string, JsonSchema> | undefined;
export function componentSchemas(): Record<string, JsonSchema> {
  built ??= buildComponentSchemas();
  return built;
}

function buildComponentSchemas(): Record<string, JsonSchema> {
  return {
    Error: { type: "object", properties: { error: { type: "string" } }, required: ["error"] },
    TensorSpec: fromZod(tensorSpecSchema),
    Datatype: { type: "string", enum: [...DATATYPES] },
    InferRequest: fromZod(inferRequestSchema),
    InferResponse: {
      type: "object",
      properties: {
        id: { type: "string" },
        model_name: { type: "string" },
        model_version: { type: "string" },
        outputs: {
          type: "array",
          items: {
            type: "object",
            properties: { name: { type: "string" }, datatype: ref("Datatype"), shape: { type: "array", items: { type: "integer" } }, data: { type: "array" } },
            required: ["name", "datatype", "shape", "data"],
          },
        },
      },
      required: ["model_name", "model_version", "outputs"],
    },
    FeatureSchema: fromZod(featureSchemaSchema),
    ModelMetadata: {
      type: "object",
      properties: {
        name: { type: "string" },
        versions: { type: "array", items: { type: "string" } },
        platform: { type: "string", const: "onnxruntime_onnx" },
        inputs: { type: "array", items: ref("TensorSpec") },
        outputs: { type: "array", items: ref("TensorSpec") },
        parameters: {
          type: "object",
          properties: {
            version: { type: "string" },
            sha256: { type: "string" },
            bytes: { type: "integer" },
            created_at: { type: "string", format: "date-time" },
            producer: { type: "object", properties: { name: { type: "string" }, version: { type: "string" } } },
            quantization: { type: "string" },
            compression: {
              type: "array",
              description: "what maas quantize / prune / distill did, oldest first (shared/compression-record.ts)",
              items: { type: "object", properties: { kind: { type: "string", enum: ["quantize", "prune", "distill"] } }, required: ["kind"] },
            },
            cpu: {
              type: "object",
              description: "CPU time per batch-1 request in onnxruntime-web, measured by maas push on the publishing machine",
              properties: { batch1_ms: { type: "number", exclusiveMinimum: 0 }, runtime: { type: "string" } },
              required: ["batch1_ms", "runtime"],
            },
            metrics: numberMap,
            labels: { type: "array", items: { type: "string" } },
            feature_schema: { ...ref("FeatureSchema"), description: "models made by the edge-maas trainer: how raw records are encoded" },
            training: {
              type: "object",
              description: "the trainer's description of the network and, from trainers that record them, its loss curve (every k-th epoch of long runs) and held-out confusion matrix",
              properties: {
                sizes: { type: "array", items: { type: "integer" } },
                activation: { type: "string" },
                loss: { type: "string" },
                history: {
                  type: "array",
                  items: { type: "object", properties: { epoch: { type: "integer" }, trainLoss: { type: "number" }, validationLoss: { type: "number" } }, required: ["epoch", "trainLoss"] },
                },
                confusion: { type: "array", description: "confusion[actual][predicted], classes in the order of labels", items: { type: "array", items: { type: "integer" } } },
              },
            },
          },
          required: ["version", "sha256", "bytes", "created_at", "producer"],
        },
      },
      required: ["name", "versions", "platform", "inputs", "outputs", "parameters"],
    },
    ModelListing: {
      type: "object",
      properties: {
        models: {
          type: "array",
          items: {
            type: "object",
            properties: {
              name: { type: "string" },
              versions: {
                type: "array",
                items: {
                  type: "object",
                  properties: { version: { type: "string" }, bytes: { type: "integer" }, created_at: { type: "string" }, quantization: { type: ["string", "null"] } },
                  required: ["version", "bytes", "created_at", "quantization"],
                },
              },
              aliases: {
                type: "object",
                description: "alias → version, or → {version, split} for a weighted traffic split",
                additionalProperties: {
                  oneOf: [
                    { type: "string" },
                    {
                      type: "object",
                      properties: {
                        version: { type: "string" },
                        split: { type: "array", items: { type: "object", properties: { version: { type: "string" }, weight: { type: "number" } } } },
                      },
                    },
                  ],
                },
              },
            },
            required: ["name", "versions", "aliases"],
          },
        },
      },
      required: ["models"],
    },
    ModelReady: { type: "object", properties: { name: { type: "string" }, version: { type: "string" }, ready: { type: "boolean" } }, required: ["name", "version", "ready"] },
    RepositoryIndexRequest: { type: "object", properties: { ready: { type: "boolean", description: "only the versions loaded in this isolate" } } },
    RepositoryIndex: {
      type: "array",
      items: {
        type: "object",
        properties: { name: { type: "string" }, version: { type: "string" }, state: { type: "string", enum: ["READY", "UNAVAILABLE"] }, reason: { type: "string" } },
        required: ["name", "version", "state", "reason"],
      },
    },
    PredictRequest: {
      type: "object",
      description:
        "TensorFlow Serving's predict request: `instances` (row format) or `inputs` (columnar format), not both. Raw records for trainer-made models must meet the feature schema: an unknown field, a missing feature the training data never lacked, a value of the wrong kind (text for a number, a number for a category) or a category not seen in training is a 400 naming it, unless `parameters` relax that rule.",
      properties: {
        signature_name: { type: "string", description: 'optional; a model has one signature, "serving_default"' },
        instances: {
          type: "array",
          minItems: 1,
          description:
            "row format: one batch row of the model's input per entry; for several inputs an object {input name: row}; for trainer-made models also raw records ({feature: value}; numbers may be numeric strings)",
          items: {},
        },
        inputs: {
          description: "columnar format: the input tensor (nested lists), or an object {input name: tensor}; for trainer-made models also {feature: [one value per row]}",
        },
        parameters: fromZod(recordParameters),
      },
      additionalProperties: false,
    },
    RowAdjustments: {
      type: ["object", "null"],
      description: "what was imputed or ignored in one row (null: nothing)",
      properties: {
        imputed: { type: "array", items: { type: "string" }, description: "missing features, imputed as in training" },
        ignored_categories: { type: "object", additionalProperties: { type: "string" }, description: "unseen categories by feature, encoded as none of the known ones" },
        ignored_fields: { type: "array", items: { type: "string" }, description: "fields that are not features, left out" },
      },
    },
    PredictResponse: {
      type: "object",
      properties: {
        predictions: {
          type: "array",
          description:
            "row format, per instance: the output's row (an object of outputs when there are several); for trainer-made models (records or array rows) {label, probabilities} for classifiers, the value(s) for regressors",
          items: {},
        },
        outputs: { description: "columnar format: the output tensor, or an object {output name: tensor}; for trainer-made classifiers {label: [...], probabilities: [...]}" },
        adjustments: { type: "array", items: ref("RowAdjustments"), description: "present when some row had values imputed or ignored: one entry per row" },
        model_version: { type: "string" },
      },
      required: ["model_version"],
    },
    ModelStatus: {
      type: "object",
      description: "TensorFlow Serving's GetModelStatusResponse",
      properties: {
        model_version_status: {
          type: "array",
          items: {
            type: "object",
            properties: {
              version: { type: "string" },
              state: { type: "string", enum: ["AVAILABLE"] },
              status: { type: "object", properties: { error_code: { type: "string" }, error_message: { type: "string" } } },
            },
            required: ["version", "state"],
          },
        },
      },
      required: ["model_version_status"],
    },
    V1ModelMetadata: {
      type: "object",
      description: 'TensorFlow Serving\'s GetModelMetadataResponse: the model\'s one signature, "serving_default", under metadata.signature_def.signature_def',
      properties: {
        model_spec: { type: "object", properties: { name: { type: "string" }, signature_name: { type: "string" }, version: { type: "string" } }, required: ["name", "version"] },
        metadata: { type: "object", properties: { signature_def: { type: "object" } }, required: ["signature_def"] },
      },
      required: ["model_spec", "metadata"],
    },
    ChartsRequest: fromZod(chartsRequestSchema),
    ChartsResponse: { type: "object", properties: { loss: { type: "string", description: "SVG" }, confusion: { type: "string", description: "SVG" } } },
  };
}
