/**
 * `npm run docs:permissions`: rewrites the permissions table of docs/http-api.md (between its
 * permissions:start and permissions:end markers) from permissions.ts.
 * `npm run docs:permissions -- --stdout` prints the table instead, and writes nothing.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { PERMISSIONS_DOCUMENT, PERMISSIONS_END, PERMISSIONS_START, renderPermissions } from "./permissions.ts";

if (process.argv.includes("--stdout")) {
  console.log(renderPermissions());
} else {
  const file = join(PROJECT_ROOT, PERMISSIONS_DOCUMENT);
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(PERMISSIONS_START);
  const end = text.indexOf(PERMISSIONS_END);
  if (start < 0 || end < start) {
    throw new Error(`${PERMISSIONS_DOCUMENT} has no ${PERMISSIONS_START} ... ${PERMISSIONS_END} section`);
  }
  writeFileSync(file, text.slice(0, start) + renderPermissions() + text.slice(end + PERMISSIONS_END.length));
  console.log(`${PERMISSIONS_DOCUMENT}: permissions table updated`);
}
