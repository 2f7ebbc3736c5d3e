import { z } from "zod";

/** POST /application-tokens: a name and a lifetime in days (default 30, at most 365). */
export const createApplicationTokenBody = z.strictObject({
  name: z.string({ message: "name is required" }).trim().min(1, "name is required").max(100, "name must be at most 100 characters"),
  expiresIn: z.number({ message: "expiresIn must be a whole number of days from 1 to 365" })
    .int("expiresIn must be a whole number of days from 1 to 365")
    .min(1, "expiresIn must be a whole number of days from 1 to 365")
    .max(365, "expiresIn must be a whole number of days from 1 to 365")
    .default(30),
});

export const tokenId = z.uuid({ message: "token id must be a UUID" });
