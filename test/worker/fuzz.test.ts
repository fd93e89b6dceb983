/**
 * Property-based fuzzing of the whole Worker against a healthy registry: 10,000 generated requests
 * — valid ones (JSON and binary, answered like onnxruntime-node), valid ones with one thing broken
 * (JSON and binary, each with the status it must get), bodies over every limit, and wild ones.
 * No 5xx at all; every error body is exactly `{"error": string}`; and minimum shares of 200, 400
 * and 413 show that requests got past authentication and routing into validation.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, expect, inject, it } from "vitest";
import type { Env } from "../../functions/env.ts";
import worker from "../../functions/index.ts";
import type { JsonTensor } from "../fixtures/reference.ts";
import type { InferenceCase } from "./global-setup.ts";
import { parseExact } from "./http.ts";
import { seedRegistry } from "./seed.ts";
import { binaryInputs, binaryRequest, decodeTensor, ELEMENT_BYTES } from "./wire.ts";

const RUNS = 10_000;
// A fixed key and its SHA-256, computed independently (`printf %s fuzz-key | sha256sum`).
const KEY = "fuzz-key";
const KEY_HASH = "sha256:231e9b2f757db8d48ecd0711b60135e1cc57a3a807be9dc12638856f17a7872c";
const LIMITS = { bodyBytes: 65_536, batchRows: 256, tensorElements: 4096, jsonDepth: 8 };
let fuzzEnv: Env;

beforeAll(async () => {
  await seedRegistry(env.MODELS);
  fuzzEnv = {
    ...(env as unknown as Env),
    ALLOW_ANONYMOUS: "true",
    // Aliases do not move during the run: read each once (as production does for ALIAS_CACHE_MS)
    // rather than once per request from miniflare's R2, which would dominate the run's time.
    ALIAS_CACHE_MS: "600000",
    API_KEYS: JSON.stringify([{ name: "fuzz", hash: KEY_HASH, models: "*" }]),
    MAX_BODY_BYTES: String(LIMITS.bodyBytes),
    MAX_BATCH_ROWS: String(LIMITS.batchRows),
    MAX_TENSOR_ELEMENTS: String(LIMITS.tensorElements),
    MAX_JSON_DEPTH: String(LIMITS.jsonDepth),
  };
});

/** One generated request and what it may get back. */
interface Probe {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** Sent as a stream, so without Content-Length. */
  stream?: boolean;
  /** The statuses it may get; undefined: any status below 500. */
  allowed?: readonly number[];
  /** What a 4xx error must say. */
  message?: RegExp;
  /** A valid request: its outputs must match onnxruntime-node's. */
  reference?: InferenceCase;
}

// The small reference cases (the third-party wake-word model's 2,400-value input would make each of
// its requests cost as much as ten others, for no path the small ones miss).
// Only cases whose valid request fits the fuzz env's MAX_TENSOR_ELEMENTS, so that "valid" means a 200.
const cases = inject("cases").filter((c) => c.model !== "hello-deepa" && c.inputs.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0) <= LIMITS.tensorElements);
const caseArb = fc.constantFrom(...cases);
const FP = new Set(["FP16", "FP32", "FP64"]);

const pathOf = (c: InferenceCase, choice: boolean) =>
  c.version ? `/v2/models/${c.model}/versions/${c.version}/infer` : choice ? `/v2/models/${c.model}/infer` : `/v2/models/${c.model}/versions/latest/infer`;
const auth = fc.constantFrom<Record<string, string>>({}, { Authorization: `Bearer ${KEY}` });
const flat = (t: JsonTensor) => (t.data as unknown[]).flat(Infinity as 1);
const clone = (inputs: readonly JsonTensor[]): JsonTensor[] => inputs.map((t) => ({ ...t, shape: [...t.shape], data: flat(t) }));

/** Whether shapes (already valid non-negative integers) are over the configured row or element limit. */
function overLimits(inputs: readonly { shape: number[] }[]): boolean {
  let elements = 0;
  for (const { shape } of inputs) {
    if ((shape[0] ?? 1) > LIMITS.batchRows) return true;
    elements += shape.reduce((a, b) => a * b, 1);
  }
  return elements > LIMITS.tensorElements;
}

function nest(value: unknown, depth: number): unknown {
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

// ---- one thing broken in a valid request's inputs (JSON or the binary form's header) ----
interface Broken {
  inputs: JsonTensor[];
  outputs?: Array<{ name: string }>;
  id?: unknown;
  allowed: readonly number[];
  message?: RegExp;
  /** Checked before the tensor limits (request schema, binary framing): limits do not apply. */
  early?: boolean;
}
type Mutation = (inputs: JsonTensor[], pick: number, extra: number) => Broken;

const OTHER_DATATYPE = ["FP32", "INT64", "BOOL", "FP16", "BYTES", "UINT8"];
const HOSTILE_ELEMENTS: unknown[] = [{}, null, "abc", "NaN", "-Infinity", [], "１", { length: 1 }];

const headerMutations: Record<string, Mutation> = {
  datatype: (inputs, pick) => {
    const t = inputs[pick % inputs.length];
    t.datatype = OTHER_DATATYPE.find((d) => d !== t.datatype && OTHER_DATATYPE.indexOf(d) >= pick % 5) ?? (t.datatype === "FP32" ? "INT64" : "FP32");
    return { inputs, allowed: [400], message: /must be [A-Z0-9]+, got/ };
  },
  rename: (inputs, pick) => {
    inputs[pick % inputs.length].name = `not_${inputs[pick % inputs.length].name}`;
    return { inputs, allowed: [400], message: /unknown input "not_/ };
  },
  duplicate: (inputs, pick) => ({ inputs: [...inputs, { ...inputs[pick % inputs.length] }], allowed: [400], message: /is given twice/ }),
  drop: (inputs, pick) => {
    inputs.splice(pick % inputs.length, 1);
    return inputs.length ? { inputs, allowed: [400], message: /missing input/ } : { inputs, allowed: [400], message: /invalid inference request: inputs/, early: true };
  },
  shape: (inputs, pick) => {
    const t = inputs[pick % inputs.length];
    t.shape = t.shape.length ? t.shape.map((d, i) => (i === t.shape.length - 1 ? d + 1 : d)) : [2];
    return { inputs, allowed: [400], message: /shape|elements/ };
  },
  badShape: (inputs, pick, extra) => {
    inputs[pick % inputs.length].shape = [[-1, 4], [1.5], [2 ** 53 + 2], ["4"]][extra % 4] as number[];
    return { inputs, allowed: [400], message: /invalid inference request: inputs\[\d+\]\.shape/, early: true };
  },
  rows: (inputs, pick, extra) => {
    const ranked = inputs.filter((t) => t.shape.length > 0);
    if (!ranked.length) return { inputs, allowed: [200] };
    ranked[pick % ranked.length].shape[0] = LIMITS.batchRows + 1 + (extra % 1_000_000);
    return { inputs, allowed: [413], message: /batch of \d+ rows is over this server's limit of 256/ };
  },
  elements: (inputs, pick, extra) => {
    // Rows within the limit; elements summed over every input past it.
    const t = inputs[pick % inputs.length];
    t.shape = [1, LIMITS.tensorElements + 1 + (extra % 5000)];
    return { inputs, allowed: [413], message: /tensor elements, over this server's limit of 4096/ };
  },
  output: (inputs, _pick, extra) => ({ inputs, outputs: [{ name: `no_such_output_${extra % 9}` }], allowed: [400], message: /unknown output "no_such_output_/ }),
  id: (inputs, _pick, extra) => ({ inputs, id: [42, {}, null, ["a"]][extra % 4], allowed: [400], message: /invalid inference request: id/, early: true }),
};

const jsonOnlyMutations: Record<string, Mutation> = {
  element: (inputs, pick, extra) => {
    const t = inputs[pick % inputs.length];
    const data = t.data as unknown[];
    if (!data.length) return { inputs, allowed: [200] };
    const hostile = HOSTILE_ELEMENTS[extra % HOSTILE_ELEMENTS.length];
    data[extra % data.length] = hostile;
    // A string is a valid BYTES element; `[]` removes an element.
    return { inputs, allowed: t.datatype === "BYTES" && typeof hostile === "string" ? [200] : [400], message: /element|elements/ };
  },
  deep: (inputs, pick, extra) => {
    const data = inputs[pick % inputs.length].data as unknown[];
    if (!data.length) return { inputs, allowed: [200] };
    data[extra % data.length] = nest(data[extra % data.length], LIMITS.jsonDepth + (extra % 50));
    return { inputs, allowed: [400], message: /data is nested deeper than 8 levels/ };
  },
  short: (inputs, pick) => {
    const t = inputs[pick % inputs.length];
    (t.data as unknown[]).push((t.data as unknown[])[0] ?? 0);
    return { inputs, allowed: [400], message: /has \d+ elements, but its shape needs \d+/ };
  },
};

// ---- one thing broken in a valid request's binary framing or bytes ----
interface BinaryRequest {
  header: { inputs: Array<Record<string, unknown> & { parameters: { binary_data_size: number } }> };
  chunks: Uint8Array[];
  headerLength?: string;
  trim?: number;
  append?: number;
}
type BinaryMutation = (request: BinaryRequest, c: InferenceCase, pick: number, extra: number) => { allowed: readonly number[]; message: RegExp } | undefined;

const NON_FINITE_BITS: Record<string, (view: DataView, at: number, which: number) => void> = {
  FP16: (v, at, w) => v.setUint16(at, [0x7e00, 0x7c00, 0xfc00, 0x7c01][w % 4], true),
  FP32: (v, at, w) => v.setFloat32(at, [NaN, Infinity, -Infinity][w % 3], true),
  FP64: (v, at, w) => v.setFloat64(at, [NaN, Infinity, -Infinity][w % 3], true),
};

/** What a 400 for broken framing says: the bytes do not add up, or the header is not what it claims. */
const FRAMING = /bytes|binary BYTES data ends at element|Inference-Header-Content-Length|JSON header|left over/;

const binaryMutations: Record<string, BinaryMutation> = {
  headerLength: (r, _c, pick, extra) => {
    const length = new TextEncoder().encode(JSON.stringify(r.header)).byteLength;
    const delta = (extra % 6) + 1;
    r.headerLength = [String(length + delta), String(length - delta), "abc", "0", "-5", "", String(10 ** 9)][pick % 7];
    return { allowed: [400], message: FRAMING };
  },
  size: (r, _c, pick, extra) => {
    const entry = r.header.inputs[pick % r.header.inputs.length];
    entry.parameters.binary_data_size = Math.max(0, entry.parameters.binary_data_size + [1, -1, 3, -4, 1000][extra % 5]);
    return { allowed: [400], message: FRAMING };
  },
  trim: (r, _c, _pick, extra) => ((r.trim = 1 + (extra % 7)), { allowed: [400], message: FRAMING }),
  append: (r, _c, _pick, extra) => ((r.append = 1 + (extra % 7)), { allowed: [400], message: /left over after the last input/ }),
  nonFinite: (r, c, pick, extra) => {
    const fp = c.inputs.map((t, i) => i).filter((i) => FP.has(c.inputs[i].datatype) && r.chunks[i].byteLength > 0);
    if (!fp.length) return undefined;
    const i = fp[pick % fp.length];
    const size = ELEMENT_BYTES[c.inputs[i].datatype];
    const chunk = r.chunks[i];
    NON_FINITE_BITS[c.inputs[i].datatype](new DataView(chunk.buffer, chunk.byteOffset), (extra % (chunk.byteLength / size)) * size, extra);
    return { allowed: [400], message: /holds NaN or Infinity; this model does not accept them/ };
  },
  bool: (r, c, _pick, extra) => {
    const i = c.inputs.findIndex((t) => t.datatype === "BOOL");
    if (i < 0) return undefined;
    r.chunks[i][extra % r.chunks[i].byteLength] = 2 + (extra % 254);
    return { allowed: [400], message: /not a valid BOOL/ };
  },
  utf8: (r, c) => {
    const i = c.inputs.findIndex((t) => t.datatype === "BYTES" && flat(t).some((s) => String(s).length > 0));
    if (i < 0) return undefined;
    r.chunks[i][4] = 0xff; // the first byte of the first non-empty string (the case's first string is "hello")
    return { allowed: [400], message: /is not valid UTF-8/ };
  },
  noise: (r, _c, pick, extra) => {
    const i = pick % r.chunks.length;
    if (r.chunks[i].byteLength) r.chunks[i][extra % r.chunks[i].byteLength] ^= 1 << (extra % 8);
    return { allowed: [200, 400], message: /./ }; // a flipped bit may still be a valid value
  },
};

const cut = fc.record({ pick: fc.nat(1000), extra: fc.nat(1_000_000) });

const valid = fc.record({ c: caseArb, choice: fc.boolean(), form: fc.constantFrom("json", "binary", "mixed"), binaryOut: fc.boolean(), headers: auth, stream: fc.boolean() }).map(
  ({ c, choice, form, binaryOut, headers, stream }): Probe => {
    const outputs = c.outputs?.map((name) => ({ name }));
    const parameters = form !== "json" && binaryOut ? { binary_data_output: true } : undefined;
    const probe = { kind: `valid ${form}`, method: "POST", path: pathOf(c, choice), allowed: [200], reference: c, stream };
    if (form === "json") return { ...probe, headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify({ inputs: c.inputs, outputs }) };
    const { entries, chunks } = binaryInputs(c.inputs);
    // "mixed": even-numbered inputs in binary, the rest as JSON data.
    const binaryAt = (i: number) => form === "binary" || i % 2 === 0;
    const inputs = c.inputs.map((t, i) => (binaryAt(i) ? entries[i] : t));
    const { body, headerLength } = binaryRequest({ inputs, outputs, parameters }, chunks.filter((_, i) => binaryAt(i)));
    return { ...probe, headers: { ...headers, "Content-Type": "application/octet-stream", "Inference-Header-Content-Length": String(headerLength) }, body };
  },
);

const mutatedJson = fc.record({ c: caseArb, choice: fc.boolean(), name: fc.constantFrom(...Object.keys(headerMutations), ...Object.keys(jsonOnlyMutations)), cut, headers: auth }).map(
  ({ c, choice, name, cut: { pick, extra }, headers }): Probe => {
    const broken = ({ ...headerMutations, ...jsonOnlyMutations })[name](clone(c.inputs), pick, extra);
    const body = JSON.stringify({ ...(broken.id !== undefined ? { id: broken.id } : {}), inputs: broken.inputs, outputs: broken.outputs ?? c.outputs?.map((n) => ({ name: n })) });
    const limited = !broken.early && broken.allowed[0] !== 413 && overLimits(broken.inputs);
    return {
      kind: `json ${name}`,
      method: "POST",
      path: pathOf(c, choice),
      headers: { ...headers, "Content-Type": "application/json" },
      body,
      allowed: limited ? [413] : broken.allowed,
      message: limited ? /over this server's limit/ : broken.message,
    };
  },
);

const mutatedBinary = fc
  .record({ c: caseArb, choice: fc.boolean(), name: fc.constantFrom(...Object.keys(headerMutations), ...Object.keys(binaryMutations)), cut, headers: auth, stream: fc.boolean() })
  .map(({ c, choice, name, cut: { pick, extra }, headers, stream }): Probe => {
    const { entries, chunks } = binaryInputs(c.inputs);
    let request: BinaryRequest;
    let allowed: readonly number[];
    let message: RegExp | undefined;
    if (name in headerMutations) {
      // Broken in the header: the mutation works on JSON tensors, whose shapes and names become the header's.
      const broken = headerMutations[name](clone(c.inputs), pick, extra);
      const inputs = broken.inputs.map(({ data: _data, ...t }) => ({ ...t, parameters: { binary_data_size: entries[c.inputs.findIndex((o) => o.name === t.name.replace(/^not_/, ""))]?.parameters.binary_data_size ?? 0 } }));
      const used = inputs.map((t) => chunks[c.inputs.findIndex((o) => o.name === t.name.replace(/^not_/, ""))] ?? new Uint8Array());
      request = { header: { inputs, ...(broken.outputs ? { outputs: broken.outputs } : {}), ...(broken.id !== undefined ? { id: broken.id } : {}) } as BinaryRequest["header"], chunks: used };
      const limited = !broken.early && broken.allowed[0] !== 413 && overLimits(broken.inputs);
      // A shape changed under the same bytes is a byte-count mismatch in the binary form.
      ({ allowed, message } = limited ? { allowed: [413], message: /over this server's limit/ } : { allowed: broken.allowed, message: name === "shape" ? new RegExp(`shape|${FRAMING.source}`) : broken.message });
    } else {
      request = { header: { inputs: entries.map((e) => ({ ...e, parameters: { ...e.parameters } })) }, chunks: chunks.map((ch) => ch.slice()) };
      const outcome = binaryMutations[name](request, c, pick, extra) ?? { allowed: [200], message: /./ };
      ({ allowed, message } = outcome);
    }
    const { body: full, headerLength } = binaryRequest(request.header, request.chunks);
    let body = request.trim ? full.subarray(0, full.byteLength - request.trim) : full;
    if (request.append) body = Uint8Array.from([...body, ...new Uint8Array(request.append).fill(7)]);
    return {
      kind: `binary ${name}`,
      method: "POST",
      path: pathOf(c, choice),
      headers: { ...headers, "Content-Type": "application/octet-stream", "Inference-Header-Content-Length": request.headerLength ?? String(headerLength) },
      body,
      stream,
      allowed,
      message,
    };
  });

// Bodies past MAX_BODY_BYTES: 413 on every POST route, whether Content-Length says so or the body
// is streamed without it (counted as it arrives).
const oversized = fc
  .record({
    size: fc.integer({ min: LIMITS.bodyBytes + 1, max: 200_000 }),
    c: caseArb,
    route: fc.constantFrom("infer", "v1", "index", "charts", "unknown"),
    stream: fc.boolean(),
    binary: fc.boolean(),
    headers: auth,
  })
  .map(({ size, c, route, stream, binary, headers }): Probe => {
    const path = { infer: pathOf(c, true), v1: `/v1/models/${c.model}:predict`, index: "/v2/repository/index", charts: "/ui/charts", unknown: "/v2/nothing/here" }[route];
    const body = binary ? new Uint8Array(size).fill(0x41) : `{"inputs":"${"x".repeat(size - 13)}"}`;
    const extra: Record<string, string> = binary ? { "Inference-Header-Content-Length": "10" } : {};
    // A Request made here has no Content-Length of its own; one from the network has, unless streamed.
    const length: Record<string, string> = stream ? {} : { "Content-Length": String(size) };
    return { kind: `oversized ${stream ? "streamed" : "sized"}`, method: "POST", path, headers: { ...headers, ...extra, ...length }, body, stream, allowed: [413], message: /request body is larger than 65536 bytes/ };
  });

const unauthorized = fc.record({ c: caseArb, header: fc.constantFrom("Bearer maas_nope", "Basic Zm9vOmJhcg==", "Bearer", `Bearer ${KEY}x`, "bearer"), choice: fc.boolean() }).map(
  ({ c, header, choice }): Probe => ({ kind: "unauthorized", method: "POST", path: pathOf(c, choice), headers: { Authorization: header }, body: JSON.stringify({ inputs: c.inputs }), allowed: [401] }),
);

const absent = fc.record({ c: caseArb, which: fc.constantFrom("/v2/models/nope/infer", "/v2/models/mlp/versions/9/infer", "/v2/models/mlp/versions/no-such-alias/infer"), headers: auth }).map(
  ({ c, which, headers }): Probe => ({ kind: "absent", method: "POST", path: which, headers, body: JSON.stringify({ inputs: c.inputs }), allowed: [404], message: /not found/ }),
);

// ---- hostile model names and versions, with a valid body so that the lookup is reached ----
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("..", "../..", "%2e%2e", "%2F", "mlp/../datatypes", "mlp%00", "\u202e", "😀", "a".repeat(300), "", " ", "latest", "stable"),
);
const hostileName = fc.record({ c: caseArb, name: hostileString, version: fc.option(hostileString), headers: auth }).map(
  ({ c, name, version, headers }): Probe => ({
    kind: "hostile name",
    method: "POST",
    path: `/v2/models/${encodeURIComponent(name)}${version === null ? "" : `/versions/${encodeURIComponent(version)}`}/infer`,
    headers,
    body: JSON.stringify({ inputs: c.inputs }),
    // Absent (or not a name at all), or by chance a real model that wants other inputs, or the right one.
    allowed: [404, 400, 200],
  }),
);

// ---- wild requests: any method, path, headers and body ----
const modelName = fc.oneof({ arbitrary: fc.constantFrom("mlp", "datatypes", "fixed"), weight: 3 }, hostileString);
const wildPath = fc.oneof(
  fc.tuple(modelName, fc.oneof(fc.constantFrom("1", "2", "latest", "stable", "9"), hostileString)).map(([m, v]) => `/v2/models/${encodeURIComponent(m)}/versions/${encodeURIComponent(v)}/infer`),
  modelName.map((m) => `/v2/models/${encodeURIComponent(m)}/infer`),
  fc.tuple(modelName, fc.constantFrom("", "/ready")).map(([m, s]) => `/v2/models/${encodeURIComponent(m)}${s}`),
  fc.tuple(modelName, fc.constantFrom(":predict", ":explain", "", "::")).map(([m, s]) => `/v1/models/${encodeURIComponent(m)}${s}`),
  fc.constantFrom("/v2", "/v2/models", "/v2/repository/index", "/v2/health/live", "/v2/health/ready", "/ui", "/ui/charts", "/openapi.json"),
  hostileString.map((s) => `/${encodeURIComponent(s)}`),
  fc.webPath(),
);
const wildBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.record({ instances: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }) }).map((b) => JSON.stringify(b)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }),
  fc.constantFrom("", "{", "[".repeat(60_000), "null", '{"inputs": [}', "\u0000"),
);
const wild = fc
  .record({
    method: fc.constantFrom("GET", "POST", "POST", "PUT", "DELETE", "OPTIONS", "HEAD"),
    path: wildPath,
    body: wildBody,
    headers: fc.record(
      {
        "Content-Type": fc.constantFrom("application/json", "text/plain", "", "application/octet-stream", "application/json; charset=utf-16"),
        Authorization: fc.oneof(fc.constant(`Bearer ${KEY}`), fc.constant("Bearer maas_nope"), fc.string({ maxLength: 60 }).filter((v) => /^[\t\x20-\x7e]*$/.test(v))),
        "Inference-Header-Content-Length": fc.oneof(fc.nat(400).map(String), fc.string({ maxLength: 8 }).filter((v) => /^[\t\x20-\x7e]*$/.test(v))),
        "X-Maas-Sticky-Key": fc.string({ maxLength: 30 }).filter((v) => /^[\t\x20-\x7e]*$/.test(v)),
        Origin: fc.constantFrom("https://evil.example", "null"),
      },
      { requiredKeys: [] },
    ),
  })
  .map(({ method, path, body, headers }): Probe => ({ kind: "wild", method, path, headers, body: method === "GET" || method === "HEAD" ? undefined : body }));

/** A body past MAX_BODY_BYTES is refused before anything else looks at it; failures print briefly. */
function finish(p: Probe): Probe {
  const bytes = p.body === undefined ? 0 : typeof p.body === "string" ? new TextEncoder().encode(p.body).byteLength : p.body.byteLength;
  const sized: Probe = bytes > LIMITS.bodyBytes && p.method === "POST" ? { ...p, allowed: [413], message: /request body is larger than 65536 bytes/, reference: undefined } : p;
  return Object.assign(sized, { [fc.toStringMethod]: () => `${p.kind}: ${p.method} ${p.path} (${bytes} bytes${p.stream ? ", streamed" : ""})` });
}

const probe = fc.oneof(
  { arbitrary: valid, weight: 4 },
  { arbitrary: mutatedJson, weight: 5 },
  { arbitrary: mutatedBinary, weight: 5 },
  { arbitrary: oversized, weight: 2 },
  { arbitrary: unauthorized, weight: 1 },
  { arbitrary: absent, weight: 1 },
  { arbitrary: hostileName, weight: 1 },
  { arbitrary: wild, weight: 3 },
).map(finish);

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  // Two chunks, so a limit is crossed mid-stream rather than on the first read.
  const half = bytes.byteLength >> 1;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes.slice(0, half));
      controller.enqueue(bytes.slice(half));
      controller.close();
    },
  });
}

/** A valid request's outputs (JSON or binary response) against onnxruntime-node's. */
async function expectReference(response: Response, reference: InferenceCase, where: string) {
  const bytes = new Uint8Array(await response.arrayBuffer());
  const headerLength = response.headers.get("Inference-Header-Content-Length");
  const length = headerLength === null ? bytes.byteLength : Number(headerLength);
  const header = parseExact(new TextDecoder().decode(bytes.subarray(0, length)));
  let offset = length;
  expect(header.outputs.map((o: { name: string }) => o.name), where).toEqual(reference.expected.map((o) => o.name));
  for (const [i, expected] of reference.expected.entries()) {
    const output = header.outputs[i];
    expect(output.shape, where).toEqual(expected.shape);
    let data: unknown[] = output.data;
    const size = output.parameters?.binary_data_size;
    if (size !== undefined) {
      data = decodeTensor(output.datatype, bytes.subarray(offset, offset + size), expected.shape.reduce((a, b) => a * b, 1));
      offset += size;
    }
    if (expected.datatype === "FP32") {
      const diff = Math.max(0, ...expected.data.map((v, j) => Math.abs((v as number) - (data[j] as number))));
      expect(diff, `${where}: ${expected.name}`).toBeLessThanOrEqual(1e-5);
    } else {
      expect(data.map(String), `${where}: ${expected.name}`).toEqual(expected.data.map(String));
    }
  }
  expect(offset, where).toBe(bytes.byteLength);
}

it(`${RUNS} generated requests: no 5xx, the right status for each, and most reach validation`, async () => {
  const statuses = new Map<number, number>();
  const kinds = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(probe, async (p) => {
      const body = p.body === undefined ? undefined : p.stream ? streamOf(typeof p.body === "string" ? new TextEncoder().encode(p.body) : p.body) : p.body;
      const ctx = createExecutionContext();
      const response = await worker.fetch(new Request(`http://maas.test${p.path}`, { method: p.method, headers: p.headers, body }), fuzzEnv, ctx);
      await waitOnExecutionContext(ctx);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1);
      const where = `${p.kind}: ${p.method} ${p.path}`;
      if (p.reference && response.status === 200) return expectReference(response, p.reference, where);
      const text = await response.text();
      expect(response.status, `${where}: ${text.slice(0, 300)}`).toBeLessThan(500);
      if (p.allowed) expect(p.allowed, `${where} got ${response.status}: ${text.slice(0, 300)}`).toContain(response.status);
      if (response.status >= 400 && p.method !== "HEAD") {
        const parsed = JSON.parse(text);
        expect(Object.keys(parsed), where).toEqual(["error"]);
        expect(typeof parsed.error, where).toBe("string");
        if (p.message) expect(parsed.error, where).toMatch(p.message);
      }
    }),
    { numRuns: RUNS, seed: 20261202 },
  );
  const share = (status: number) => (statuses.get(status) ?? 0) / RUNS;
  console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
  // Most requests must get past authentication and routing: answered, or refused by validation or a limit.
  expect(share(200)).toBeGreaterThanOrEqual(0.1);
  expect(share(400)).toBeGreaterThanOrEqual(0.1);
  expect(share(413)).toBeGreaterThanOrEqual(0.1);
  expect(share(200) + share(400) + share(413)).toBeGreaterThanOrEqual(0.7);
  // Every kind of broken request was tried often enough to mean something.
  const expectedKinds = [
    ...["json", "binary", "mixed"].map((f) => `valid ${f}`),
    ...[...Object.keys(headerMutations), ...Object.keys(jsonOnlyMutations)].map((m) => `json ${m}`),
    ...[...Object.keys(headerMutations), ...Object.keys(binaryMutations)].map((m) => `binary ${m}`),
    "oversized streamed",
    "oversized sized",
    "unauthorized",
    "absent",
    "hostile name",
  ];
  for (const kind of expectedKinds) expect(kinds.get(kind) ?? 0, kind).toBeGreaterThanOrEqual(30);
});
