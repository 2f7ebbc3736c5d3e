// Edge Function entry point: /functions/v1/oidc/... (the exchange and explain)
import { startFunction } from "../_shared/start.ts";
import { createOidcApp } from "./app.ts";

startFunction(createOidcApp);
