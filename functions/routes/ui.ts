/** Pages for people: the playground and model cards (issue 8). Mounted by functions/index.ts. */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";

export const ui = new Hono<AppEnv>();
