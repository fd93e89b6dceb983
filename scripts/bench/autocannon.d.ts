// autocannon ships no types: the part of its programmatic API the benchmark uses.
declare module "autocannon" {
  namespace autocannon {
    interface Options {
      url: string;
      connections: number;
      duration: number;
      timeout?: number;
      method?: "GET" | "POST";
      body?: string;
      headers?: Record<string, string>;
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
