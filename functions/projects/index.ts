// Edge Function entry point: /functions/v1/projects/...
import { startFunction } from "../_shared/start.ts";
import { createProjectsApp } from "./app.ts";

startFunction(createProjectsApp);
