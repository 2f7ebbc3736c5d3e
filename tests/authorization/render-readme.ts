/**
 * `npm run docs:permissions`: rewrites README.md's permissions table from permissions.ts.
 * `npm run docs:permissions -- --stdout` prints the table instead, and writes nothing.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { README_END, README_START, renderPermissions } from "./permissions.ts";

if (process.argv.includes("--stdout")) {
  console.log(renderPermissions());
} else {
  const file = join(PROJECT_ROOT, "README.md");
  const readme = readFileSync(file, "utf8");
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${README_START} ... ${README_END} section`);
  writeFileSync(file, readme.slice(0, start) + renderPermissions() + readme.slice(end + README_END.length));
  console.log("README.md: permissions table updated");
}
