/**
 * The benchmark's main module in raw workerd: the built Worker bundle (./index.js), unchanged, with
 * its R2 binding MODELS backed by files. workerd has no R2 of its own (miniflare implements R2 as a
 * Durable Object with its own storage), so R2 `get`/`head` are served here from a disk service
 * bound as FILES: `get` streams the file like an R2 object body.
 */
import worker from "./index.js";

/** The R2ObjectBody methods the registry and the session loader use. */
function objectBody(key, response) {
  const size = Number(response.headers.get("content-length") ?? "0");
  return {
    key,
    size,
    get body() {
      return response.body;
    },
    arrayBuffer: () => response.arrayBuffer(),
    text: () => response.text(),
    json: () => response.json(),
  };
}

function diskBucket(files) {
  const url = (key) => `http://files/${key.split("/").map(encodeURIComponent).join("/")}`;
  return {
    async get(key) {
      const response = await files.fetch(url(key));
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`disk read of ${key} failed: ${response.status}`);
      return objectBody(key, response);
    },
    async head(key) {
      const response = await files.fetch(url(key), { method: "HEAD" });
      return response.ok ? { key, size: Number(response.headers.get("content-length") ?? "0") } : null;
    },
  };
}

/**
 * The Workers rate-limiting binding's contract (`limit({ key })` → `{ success }`), counted per key in
 * fixed windows in the isolate — the same bookkeeping miniflare does, without its Durable Object
 * round trip, which the deployed binding (a local counter) does not make either.
 */
function fixedWindowLimiter(limit, periodSeconds) {
  const counts = new Map();
  let window = -1;
  return {
    async limit({ key }) {
      const now = Math.floor(Date.now() / (periodSeconds * 1000));
      if (now !== window) {
        counts.clear();
        window = now;
      }
      const count = counts.get(key) ?? 0;
      if (count >= limit) return { success: false };
      counts.set(key, count + 1);
      return { success: true };
    },
  };
}

/** BENCH_RATE_LIMIT = "LIMIT/PERIOD_SECONDS": the rate-limit bindings of wrangler.toml, with that limit. */
function rateLimitBindings(env) {
  if (!env.BENCH_RATE_LIMIT) return {};
  const [limit, period] = env.BENCH_RATE_LIMIT.split("/").map(Number);
  return { RATE_LIMIT_KEY: fixedWindowLimiter(limit, period), RATE_LIMIT_IP: fixedWindowLimiter(limit, period) };
}

// One env object for the isolate's life: the Worker caches its settings per env identity.
let wrapped;
export default {
  fetch(request, env, ctx) {
    wrapped ??= { ...env, ...rateLimitBindings(env), MODELS: diskBucket(env.FILES) };
    return worker.fetch(request, wrapped, ctx);
  },
};
