// Edge Function entry point: /functions/v1/audit-logs/...
import { startFunction } from "../_shared/start.ts";
import { createAuditLogsApp } from "./app.ts";

startFunction(createAuditLogsApp);
