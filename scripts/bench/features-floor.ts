/**
 * The features' floor: a worker written directly against the runtime (no Hono, no model) that adds
 * to every answer what our Worker adds to every response — a request id (header and log), the
 * Server-Timing header, the security headers (the same list, functions/security/secure-headers.ts)
 * and one JSON log line with the same fields as functions/request-log.ts — each the cheapest way we
 * know on workerd (the headers from a template Response). Its ping against the bare
 * worker's is what those features cost on this workerd; our Worker's ping against its ping is what
 * our code costs beyond them.
 */
import { SECURE_HEADER_NAMES, SECURE_HEADER_VALUES } from "../../functions/security/secure-headers.ts";

export function featuresFloorWorker(): string {
  const secure = SECURE_HEADER_NAMES.map((name, i) => `${JSON.stringify(name)}: ${JSON.stringify(SECURE_HEADER_VALUES[i])}`).join(", ");
  return `// The headers every answer shares, in a template Response copied per request: the cheapest way on workerd (functions/http/answer.ts).
const TEMPLATE = new Response(null, { headers: { "content-type": "application/json", ${secure} } });
export default {
  fetch(request) {
    const started = Date.now();
    const start = performance.now();
    const id = crypto.randomUUID();
    const timing = "total;dur=" + (performance.now() - start).toFixed(1) + ';desc="Total Response Time"';
    const path = new URL(request.url).pathname;
    // Concatenated, as functions/request-log.ts does: the cheapest way to the same line.
    console.log('{"at":"' + new Date(started).toISOString() + '","requestId":"' + id + '","method":"' + request.method + '","path":' + JSON.stringify(path) + ',"status":200,"model":null,"version":null,"key":null,"durationMs":' + (Date.now() - started) + ',"timing":' + JSON.stringify(timing) + "}");
    const response = new Response('{"live":true}', TEMPLATE);
    response.headers.set("x-request-id", id);
    response.headers.set("server-timing", timing);
    return response;
  },
};`;
}
