/** The bundled dataset `maas train` (and `npm start`) uses without a file: Fisher's Iris, public domain. */
import { join } from "node:path";

export const DEFAULT_DATASET = {
  path: join(import.meta.dirname, "iris.csv"),
  target: "species",
} as const;
