import { createFunctionApp, type Services } from "../_shared/app.ts";
import { renderDocument } from "../_shared/openapi.ts";
import { apiDocument } from "./document.ts";

/** The Redoc version whose standalone bundle the page loads (package.json's `redoc`). */
const REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg";
const REDOC_VERSION = "2.5.4";
const REDOC_BUNDLE = new URL("../../node_modules/redoc/bundles/redoc.standalone.js", import.meta.url);
/** Where the page loads Redoc from where there is no node_modules (hosted Supabase). */
const REDOC_CDN = `https://cdn.jsdelivr.net/npm/redoc@${REDOC_VERSION}/bundles/redoc.standalone.js`;

/**
 * /docs: the API's reference, without authentication. /docs/openapi.json is the OpenAPI 3.1
 * document (functions/docs/document.ts; the local server also answers it at
 * /sfp/api/openapi.json), its servers the request's origin; /docs is a page that renders it
 * with Redoc, whose standalone bundle this function serves from node_modules
 * (/docs/redoc.standalone.js), so the page works offline. Where node_modules is absent (hosted
 * Supabase), the page loads the same bundle from a CDN.
 */
export function createDocsApp(services: Services) {
  const app = createFunctionApp("docs", services, { publicPaths: ["/", "/openapi.json", "/redoc.standalone.js"] });
  const document = apiDocument();
  let bundle: Promise<Uint8Array | null> | undefined;
  // The bundle's sidebar links Redocly's logo from its CDN, with no option to turn it off: it
  // is dropped, so the page asks nothing of another origin (it works offline, tracks nobody).
  const readBundle = () =>
    (bundle ??= Deno.readFile(REDOC_BUNDLE)
      .then((bytes) => new TextEncoder().encode(new TextDecoder().decode(bytes).replaceAll(REDOC_LOGO, "")))
      .catch(() => null));

  app.get("/openapi.json", (c) => {
    const served = { ...document, servers: [{ url: new URL(c.req.url).origin }] };
    return c.body(renderDocument(served), 200, { "content-type": "application/json; charset=utf-8" });
  });

  app.get("/redoc.standalone.js", async (c) => {
    const bytes = await readBundle();
    if (!bytes) return c.json({ statusCode: 404, message: "Redoc's bundle is not installed here", error: "Not Found" }, 404);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=86400",
    });
  });

  app.get("/", async (c) => {
    // Relative to /sfp/api/docs (or /functions/v1/docs): this function's own paths.
    const script = (await readBundle()) ? "docs/redoc.standalone.js" : REDOC_CDN;
    return c.html(page(script));
  });

  return app;
}

function page(script: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sfp integrations API</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<redoc spec-url="docs/openapi.json"></redoc>
<script src="${script}"></script>
</body>
</html>
`;
}
