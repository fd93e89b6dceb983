/** Server-level endpoints of the Open Inference Protocol v2. */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { answerJson } from "../http/answer.ts";

export const SERVER_NAME = "edge-maas";
export const SERVER_VERSION = "0.1.0";

export const health = new Hono<AppEnv>()
  .get("/v2/health/live", () => answerJson({ live: true }))
  // Ready once the isolate runs: models load on demand, and per-model readiness has its own endpoint.
  .get("/v2/health/ready", () => answerJson({ ready: true }))
  .get("/v2", () => answerJson({ name: SERVER_NAME, version: SERVER_VERSION, extensions: ["model_repository", "binary_tensor_data"] }));
