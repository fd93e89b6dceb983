import type { RequestIdVariables } from "hono/request-id";
import type { Env } from "./env.ts";
import type { ServerTiming } from "./http/server-timing.ts";
import type { Principal } from "./security/principal.ts";

/** Hono's type parameter for this app: the Worker's bindings and the middleware's variables. */
export type AppEnv = {
  Bindings: Env;
  Variables: RequestIdVariables & {
    /** Metrics for the Server-Timing header (functions/http/server-timing.ts). */
    serverTiming: ServerTiming;
    /** Who is calling (set by the authentication middleware). */
    principal: Principal;
    /** The model version that answered, for the request log. */
    servedModel: { name: string; version: string };
  };
};
