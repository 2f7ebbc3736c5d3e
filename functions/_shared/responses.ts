/**
 * Pieces of the response schemas (functions/<name>/schemas.ts): what the sfp_api functions
 * return, as the OpenAPI document shows it and as the handlers type the RPCs' results.
 */
import { z } from "zod";

/** A timestamp as PostgreSQL's JSON writes it: ISO 8601 with its UTC offset ("...+00:00"). */
export const timestamp = z.iso.datetime({ offset: true });

/** A JSON object, stored and answered as given. */
export const jsonObjectOut = z.record(z.string(), z.unknown());
