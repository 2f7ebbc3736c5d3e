/**
 * `npm run docs:providers`: rewrites the provider table of README.md (between its
 * providers:begin and providers:end markers) from functions/_shared/providers.ts.
 * `-- --stdout` prints the table instead and writes nothing; `-- --file <path>` rewrites
 * another Markdown file (a copy, to look at the result).
 */
import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { PROVIDERS_BEGIN, PROVIDERS_DOCUMENT, PROVIDERS_END, renderProviders } from "./providers.ts";

const args = process.argv.slice(2);
if (args.includes("--stdout")) {
  console.log(renderProviders());
} else {
  const at = args.indexOf("--file");
  const name = at >= 0 ? args[at + 1] : PROVIDERS_DOCUMENT;
  if (!name) {
    console.error("--file needs a path");
    process.exit(1);
  }
  const file = at >= 0 ? name : new URL(`../../${PROVIDERS_DOCUMENT}`, import.meta.url);
  const text = readFileSync(file, "utf8");
  const begin = text.indexOf(PROVIDERS_BEGIN);
  const end = text.indexOf(PROVIDERS_END);
  if (begin < 0 || end < begin) {
    console.error(`${name} has no ${PROVIDERS_BEGIN} ... ${PROVIDERS_END} section: add the two markers where the table goes`);
    process.exit(1);
  }
  writeFileSync(file, text.slice(0, begin) + renderProviders() + text.slice(end + PROVIDERS_END.length));
  console.log(`${name}: provider table updated`);
}
