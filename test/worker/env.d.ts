// Types for the workerd test pool: `cloudflare:test`, and `env` from `cloudflare:workers` typed
// as the Worker's own Env plus the test-only bindings declared in vitest.config.ts.
/// <reference types="@cloudflare/vitest-plugin/types" />
import type { Env as WorkerEnv } from "../../functions/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_RATE_LIMIT_TIGHT: RateLimit;
    }
    interface GlobalProps {
      /** The Worker under test (wrangler.toml `main`): types `exports.default`. */
      mainModule: typeof import("../../functions/index.ts");
    }
  }
}
