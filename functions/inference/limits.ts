/**
 * Request-size limits checked from the declared shapes, before any tensor storage is allocated
 * (a shape of [1e9, 1e9] with three numbers of data must not reach an allocation).
 */
import { HttpError } from "../errors.ts";
import type { Settings } from "../settings.ts";

export function checkTensorLimits(shapes: readonly (readonly number[])[], settings: Pick<Settings, "maxTensorElements" | "maxBatchRows">): void {
  let elements = 0;
  for (const shape of shapes) {
    const rows = shape[0] ?? 1;
    if (rows > settings.maxBatchRows) {
      throw new HttpError(413, `batch of ${rows} rows is over this server's limit of ${settings.maxBatchRows}`);
    }
    elements += shape.reduce((a, b) => a * b, 1);
  }
  if (elements > settings.maxTensorElements) {
    throw new HttpError(413, `request has ${elements} tensor elements, over this server's limit of ${settings.maxTensorElements}`);
  }
}
