// Edge Function entry point: /functions/v1/oidc-policies/... (the trust policies)
import { startFunction } from "../_shared/start.ts";
import { createOidcPoliciesApp } from "./app.ts";

startFunction(createOidcPoliciesApp);
