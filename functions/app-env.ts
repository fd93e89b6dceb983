import type { TimingVariables } from "hono/timing";
import type { RequestIdVariables } from "hono/request-id";
import type { Env } from "./env.ts";

/** Hono's type parameter for this app: the Worker's bindings and the middleware's variables. */
export type AppEnv = { Bindings: Env; Variables: TimingVariables & RequestIdVariables };
