/**
 * The edge-maas Worker: serves ONNX models from R2 over the Open Inference Protocol.
 * This file only wires middleware and routes; each route group lives in functions/routes/.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./app-env.ts";
import { HttpError } from "./errors.ts";
import { answerJson } from "./http/answer.ts";
import { requestBodyLimit } from "./http/body-size.ts";
import { everyRequest } from "./http/every-request.ts";
import { answerWrongMethods } from "./http/method-not-allowed.ts";
import { requestIds } from "./http/request-id.ts";
import { routeSuggester } from "./http/route-suggestion.ts";
import { health } from "./routes/health.ts";
import { inference } from "./routes/infer.ts";
import { models } from "./routes/models.ts";
import { ui } from "./routes/ui.ts";
import { v1 } from "./routes/v1.ts";
import { authenticate, modelAccess } from "./security/auth.ts";
import { configuredCors } from "./security/cors.ts";
import { rateLimit } from "./security/rate-limit.ts";

const app = new Hono<AppEnv>();

app.use(requestIds);
// Server-Timing, security headers and the log line: one layer (functions/http/every-request.ts).
app.use(everyRequest);
app.use(configuredCors);
app.on("POST", "*", requestBodyLimit);

// Everything that touches models needs a caller who may: see functions/security/.
for (const path of ["/v2/models", "/v2/models/*", "/v2/repository/*", "/v1/*"]) app.use(path, authenticate);
for (const path of ["/v2/models/:name", "/v2/models/:name/*", "/v1/models/:name", "/v1/models/:name/*"]) app.use(path, modelAccess);
for (const path of ["/v2/models", "/v2/models/*", "/v2/repository/*", "/v1/*"]) app.use(path, rateLimit);
// The chart renderer needs no key but spends CPU on every call: the API's limits, per key or per IP.
app.use("/ui/charts", authenticate, rateLimit);

// Chained so that `AppType` carries every route's types for hono/client.
const routes = app.route("/", health).route("/", models).route("/", inference).route("/", v1).route("/", ui);
export type AppType = typeof routes;
answerWrongMethods(app);

const meantRoute = routeSuggester(app);
app.notFound((c) => {
  const { pathname } = new URL(c.req.url);
  return answerJson({ error: `no route for ${c.req.method} ${pathname}${meantRoute(c.req.method, pathname)}` }, 404);
});

app.onError((error, c) => {
  if (error instanceof HttpError) return answerJson({ error: error.message }, error.status, error.headers);
  if (error instanceof HTTPException) return answerJson({ error: error.message || "request rejected" }, error.status);
  console.error(JSON.stringify({ level: "error", requestId: c.get("requestId"), message: String(error), stack: (error as Error).stack }));
  return answerJson({ error: "internal error" }, 500);
});

export default app;
