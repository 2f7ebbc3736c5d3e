// Edge Function entry point: /functions/v1/health/...
import { startFunction } from "../_shared/start.ts";
import { createHealthApp } from "./app.ts";

startFunction(createHealthApp);
