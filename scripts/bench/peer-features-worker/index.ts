/**
 * The peer Worker with the same per-request features as ours, each from Hono's own middleware as its
 * documentation shows them: request ids (`requestId()`), Server-Timing (`timing()`), security headers
 * (`secureHeaders()`), an API key (`bearerAuth({ token })`), the rate-limit binding, and one JSON log
 * line per request. The route is the minimal peer's (scripts/bench/peer-worker/), unchanged. The
 * benchmark reports our Worker against it beside the minimal peer: the minimal peer shows what the
 * features cost on this runtime, this one whether ours cost more than the stock way of having them.
 */
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { timing } from "hono/timing";
import peer from "../peer-worker/index.ts";

interface Bindings {
  MODELS: R2Bucket;
  /** The key callers present (the benchmark's; a real deployment keeps it in a secret). */
  PEER_API_KEY: string;
  RATE_LIMIT_KEY: RateLimit;
}

type PeerEnv = { Bindings: Bindings };
const app = new Hono<PeerEnv>();
app.use(requestId());
app.use(async (c, next) => {
  const started = Date.now();
  await next();
  console.log(JSON.stringify({ at: new Date(started).toISOString(), requestId: c.get("requestId"), method: c.req.method, path: c.req.path, status: c.res.status, durationMs: Date.now() - started }));
});
app.use(timing());
app.use(secureHeaders());
app.use("/v2/models/*", (c, next) => bearerAuth<PeerEnv>({ token: c.env.PEER_API_KEY })(c, next));
app.use("/v2/models/*", async (c, next) => {
  const { success } = await c.env.RATE_LIMIT_KEY.limit({ key: c.req.header("Authorization") ?? "anonymous" });
  return success ? next() : c.json({ error: "rate limit exceeded" }, 429);
});
app.route("/", peer);

export default app;
