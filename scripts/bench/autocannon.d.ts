// autocannon ships no types: the part of its programmatic API the benchmark uses.
declare module "autocannon" {
  namespace autocannon {
    interface Options {
      url: string;
      connections: number;
      duration: number;
      timeout?: number;
      method?: "GET" | "POST";
      body?: string | Buffer;
      headers?: Record<string, string>;
      /** Requests each connection cycles through, in order (the load test alternates models). */
      requests?: Array<{ method?: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string }>;
      /** Called once per connection; the load test checks every response body there. */
      setupClient?: (client: { on(event: "body", listener: (body: Buffer) => void): void }) => void;
    }
    interface Result {
      /** Seconds the run lasted. */
      duration: number;
      requests: { total: number; average: number };
      latency: { p50: number; p99: number; average: number };
      non2xx: number;
      errors: number;
      timeouts: number;
    }
  }
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}
