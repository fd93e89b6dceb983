/**
 * A tensor's JSON `data` (flat or nested row-major arrays) → typed storage, every element checked
 * against the datatype. Used for v2/v1 requests in the Worker and by the client's binary encoder.
 */
import { badRequest } from "../errors.ts";
import type { Datatype } from "../registry/manifest.ts";
import { describeValue, type ElementCodec, type TypedStorage } from "./datatypes.ts";

/** Default deepest nesting accepted in `data` (a row-major nested array never needs more). */
export const MAX_DATA_DEPTH = 32;

/** Flattens (possibly nested) row-major JSON data into freshly allocated storage. */
export function fillElements(name: string, datatype: Datatype, codec: ElementCodec, data: unknown[], expected: number, maxDepth = MAX_DATA_DEPTH): TypedStorage | string[] {
  const storage = codec.allocate(expected);
  const slots = storage as { [index: number]: unknown };
  let count = 0;
  const visit = (values: unknown[], depth: number): void => {
    for (const value of values) {
      if (Array.isArray(value)) {
        if (depth >= maxDepth) throw badRequest(`input "${name}": data is nested deeper than ${maxDepth} levels`);
        visit(value, depth + 1);
        continue;
      }
      if (count < expected) {
        const converted = codec.convert(value);
        if (converted === undefined) {
          const nonFinite = typeof value === "string" && /^-?(NaN|Infinity)$/.test(value) && datatype.startsWith("FP");
          throw badRequest(
            nonFinite
              ? `input "${name}": element ${count} is ${value}; this model does not accept NaN or Infinity`
              : `input "${name}": element ${count} is ${describeValue(value)}, not a valid ${datatype}`,
          );
        }
        slots[count] = converted;
      }
      count++;
    }
  };
  visit(data, 1);
  if (count !== expected) {
    throw badRequest(`input "${name}" has ${count} elements, but its shape needs ${expected}`);
  }
  return storage;
}
