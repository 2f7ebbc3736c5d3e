// Edge Function entry point: /functions/v1/application-tokens/...
import { startFunction } from "../_shared/start.ts";
import { createApplicationTokensApp } from "./app.ts";

startFunction(createApplicationTokensApp);
