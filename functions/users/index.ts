// Edge Function entry point: /functions/v1/users/...
import { startFunction } from "../_shared/start.ts";
import { createUsersApp } from "./app.ts";

startFunction(createUsersApp);
