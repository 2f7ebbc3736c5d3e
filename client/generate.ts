/**
 * `npm run client:generate`: writes client/api.d.ts, the TypeScript types of the API, from
 * docs/openapi.json with openapi-typescript (runs on Node with tsx). `--check` writes nothing
 * and exits 1 while the file differs (after `npm run docs:openapi` changed the document).
 */
import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import openapiTS, { astToString } from "openapi-typescript";

const DOCUMENT = new URL("../docs/openapi.json", import.meta.url);
const TYPES = new URL("./api.d.ts", import.meta.url);

const HEADER = `/**
 * The HTTP API's types, generated from docs/openapi.json by client/generate.ts
 * (openapi-typescript). Do not edit: run \`npm run client:generate\` after \`npm run docs:openapi\`.
 */

`;

/** client/api.d.ts's text, from the committed document. */
async function renderTypes(): Promise<string> {
  const ast = await openapiTS(readFileSync(DOCUMENT, "utf8"));
  return HEADER + astToString(ast);
}

const text = await renderTypes();
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(TYPES, "utf8");
  } catch { /* missing: differs */ }
  if (current !== text) {
    console.error("client/api.d.ts is out of date: run npm run client:generate");
    process.exit(1);
  }
  console.log("client/api.d.ts is up to date");
} else {
  writeFileSync(TYPES, text);
  console.log("client/api.d.ts written");
}
