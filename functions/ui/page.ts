/** The playground page: a static shell; functions/ui/script.ts fills it from the public API. */
import { html, raw } from "hono/html";
import { PLAYGROUND_SCRIPT } from "./script.ts";
import { PLAYGROUND_CSS } from "./styles.ts";

export function playgroundPage(serverName: string, serverVersion: string) {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${serverName} playground</title>
    <link rel="icon" href="data:," />
    <style>
      ${raw(PLAYGROUND_CSS)}
    </style>
  </head>
  <body>
    <header>
      <h1>${serverName}</h1>
      <span class="sub">playground · v${serverVersion} · <a href="/openapi.json" style="color:#93c5fd">OpenAPI</a></span>
      <form id="key-form" autocomplete="off">
        <label for="api-key">API key</label>
        <input id="api-key" type="password" placeholder="optional if anonymous" title="sent as Authorization: Bearer &lt;key&gt; on every API call" />
        <button type="submit">Load</button>
      </form>
    </header>
    <main>
      <nav>
        <h2>Models</h2>
        <div id="status"></div>
        <div id="model-list"></div>
      </nav>
      <div id="cards"></div>
    </main>
    <script>
      ${raw(PLAYGROUND_SCRIPT)}
    </script>
  </body>
</html>`;
}
