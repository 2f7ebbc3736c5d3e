#!/usr/bin/env node
// The `sfp` command (package.json "bin", so `npx sfp ...` in the checkout): runs the TypeScript
// CLI in cli/main.ts through tsx, a dependency already, so there is no build step to forget.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
