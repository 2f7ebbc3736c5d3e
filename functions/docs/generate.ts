/**
 * `npm run docs:openapi`: writes docs/openapi.json from the route declarations (runs on Node
 * with tsx, or on Deno with --allow-write). `--check` writes nothing and exits 1 while the file
 * differs.
 */
import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { committedDocument } from "./document.ts";

const file = new URL("../../docs/openapi.json", import.meta.url);
const text = committedDocument();
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch { /* missing: differs */ }
  if (current !== text) {
    console.error("docs/openapi.json is out of date: run npm run docs:openapi");
    process.exit(1);
  }
  console.log("docs/openapi.json is up to date");
} else {
  writeFileSync(file, text);
  console.log("docs/openapi.json written");
}
