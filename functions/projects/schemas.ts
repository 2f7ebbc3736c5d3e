import { z } from "zod";
import { projectIdentifier } from "../_shared/validation.ts";

export const createProjectBody = z.strictObject({
  identifier: projectIdentifier,
  remoteUrl: z.string({ message: "remoteUrl is required" }).min(1, "remoteUrl is required").max(2048),
});
export type CreateProjectBody = z.infer<typeof createProjectBody>;

/** GET /projects and GET /projects/{identifier} take no query parameters. */
export const noQuery = z.strictObject({});

/** DELETE /projects/{identifier}?force=true */
export const deleteProjectQuery = z.strictObject({
  force: z.enum(["true", "false"], { message: "force must be true or false" }).optional(),
});
