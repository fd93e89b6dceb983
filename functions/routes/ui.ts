/**
 * Pages for people: the playground and model cards (issue 8), the OpenAPI document, and the chart
 * renderer the cards use. Mounted by functions/index.ts; none of these touch a model, so they
 * need no API key (the page sends the key the user types on its own API calls).
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { answerJson } from "../http/answer.ts";
import { openApiDocument } from "../openapi/document.ts";
import { readJsonBody } from "../protocol/read-json.ts";
import { parseWith } from "../protocol/parse-with.ts";
import { chartsRequestSchema, renderCharts } from "../ui/charts.ts";
import { playgroundPage } from "../ui/page.ts";
import { SERVER_NAME, SERVER_VERSION } from "./health.ts";

export const ui = new Hono<AppEnv>()
  .get("/", (c) => c.html(playgroundPage(SERVER_NAME, SERVER_VERSION)))
  .get("/openapi.json", (c) => answerJson(openApiDocument(new URL(c.req.url).origin)))
  .post("/ui/charts", async (c) => answerJson(renderCharts(parseWith(chartsRequestSchema, await readJsonBody(c), "charts request"))));
