import type { ApiKeyEntry } from "./api-keys.ts";

/** Who is calling: the holder of an API key, or nobody in particular. */
export type Principal = { kind: "key"; key: ApiKeyEntry } | { kind: "anonymous" };
