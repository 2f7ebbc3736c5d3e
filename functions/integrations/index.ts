// Edge Function entry point: /functions/v1/integrations/...
import { startFunction } from "../_shared/start.ts";
import { createIntegrationsApp } from "./app.ts";

startFunction(createIntegrationsApp);
