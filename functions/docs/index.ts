// Edge Function entry point: /functions/v1/docs/...
import { startFunction } from "../_shared/start.ts";
import { createDocsApp } from "./app.ts";

startFunction(createDocsApp);
