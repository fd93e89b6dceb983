import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects: the Worker's tests run inside workerd (with a real R2 binding from miniflare);
// everything that needs Node (trainer, compressor, CLI, onnxruntime-node references) runs in Node.
export default defineConfig({
  test: {
    // vitest's default on a 2-core machine is one file at a time; most of our files wait on child
    // processes (the CLI, wrangler dev, workerd, python), so a few at once use the cores better.
    maxWorkers: 3,
    // The Worker logs one JSON line per request (functions/request-log.ts); thousands of them (the
    // fuzz test) would bury the test report. Tests that check the log spy on console.log.
    onConsoleLog: (log) => !log.startsWith('{"at":'),
    projects: [
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // Tests move aliases and expect the next request to see it at once; most tests call
              // anonymously (the security tests pass their own env with keys and no anonymous access).
              bindings: { ALIAS_CACHE_MS: "0", ALLOW_ANONYMOUS: "true" },
              ratelimits: {
                RATE_LIMIT_IP: { namespace_id: "1002", simple: { limit: 1_000_000, period: 60 } },
                RATE_LIMIT_KEY: { namespace_id: "1001", simple: { limit: 1_000_000, period: 60 } },
                // Small enough to reach in a test.
                TEST_RATE_LIMIT_TIGHT: { namespace_id: "1009", simple: { limit: 3, period: 60 } },
              },
            },
          }),
        ],
        test: {
          name: "worker",
          // One isolate for all files: onnxruntime-web and the Worker are imported and warmed once
          // (per file they cost ~3 s of CPU each). Storage is emptied before each file instead.
          isolate: false,
          setupFiles: ["test/worker/empty-bucket.ts"],
          include: ["test/worker/**/*.test.ts"],
          globalSetup: ["test/worker/global-setup.ts"],
          // Only a net for hangs. Inside workerd, timers and test durations follow the wall clock:
          // on a CI run whose Node-side duration was 382 s, two tests in flight "took" 685-714 s and
          // hit their 60 s and 600 s timeouts at the same moment (the machine's clock stepped or the
          // VM paused). No test here needs more than a minute (the fuzz test ~25 s, the first
          // onnxruntime-web inference a few seconds), so the net sits far above any of them.
          testTimeout: 1_200_000,
          hookTimeout: 1_200_000,
        },
      },
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
