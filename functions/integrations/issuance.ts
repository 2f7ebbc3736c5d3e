import { jsonb } from "../_shared/database.ts";
import type { Services } from "../_shared/app.ts";
import { ApiError } from "../_shared/errors.ts";
import type { RequestContext } from "../_shared/request-context.ts";
import { type Grant, issueToken, IssueError } from "./issuers.ts";
import type { CredentialsFilter, CredentialsOutcome } from "./schemas.ts";

/**
 * The credential read with issued tokens (the issued tokens migration): sfp_api.get_credentials
 * either answers (granted or refused, audited) or hands this trusted caller the grants whose
 * token must be issued first, under a lease only one caller holds. Each is issued at its
 * service (issuers.ts) and recorded (sfp_api.complete_token_issue / fail_token_issue, both
 * audited), then the read runs again and returns the fresh token, audited as granted.
 * A read that finds another caller issuing waits for it, polling, up to WAIT_MS.
 */
type IssueItem = Grant & { integration_id: string; lease_id: string; kind: "cached" | "refresh" };

export type ReadOutcome =
  | CredentialsOutcome
  | { outcome: "issue"; issue: IssueItem[]; waiting: string[] }
  | { outcome: "reauthorize"; message: string; integration_id: string };

const POLL_MS = 100;
// Rounds of issuing before giving up: each round issues what the read asked for; a read whose
// credentials keep changing under it (an owner updating them meanwhile) stops here.
const MAX_ROUNDS = 4;

export async function readCredentials(
  services: Services,
  context: RequestContext,
  filter: CredentialsFilter,
  /** Called once the read has audited its own answer (every outcome but an issuance failure). */
  audited: () => void,
): Promise<CredentialsOutcome> {
  const { db, outbound } = services;
  // Waiting for another caller's issuance: as long as that issuance may take, and a little more.
  const waitUntil = Date.now() + outbound.totalTimeoutMs + 2000;
  for (let round = 0; round < MAX_ROUNDS;) {
    const row = await db.secretQuery<{ result: ReadOutcome }>((sql, keyring) =>
      sql`select sfp_api.get_credentials(
            provider => ${filter.provider ?? null}, project => ${filter.project ?? null},
            context => ${jsonb(sql, context)}::jsonb,
            keyring => ${keyring}::jsonb) as result`
    );
    const result = row.result;
    if (result.outcome === "reauthorize") {
      audited();
      throw new ApiError(409, result.message, { integrationId: result.integration_id });
    }
    if (result.outcome !== "issue") {
      audited();
      return result;
    }
    if (result.issue.length > 0) {
      round++;
      // Every lease taken is given back (completed or failed) before anything is thrown, so a
      // failure of one never leaves another integration's lease held until it runs out.
      const issued = await Promise.allSettled(result.issue.map((item) => issueOne(services, context, item)));
      const failure = issued.find((outcome) => outcome.status === "rejected");
      if (failure) throw (failure as PromiseRejectedResult).reason;
    } else if (Date.now() < waitUntil) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    } else {
      throw new ApiError(503, "A token for this read is being issued by another request; retry", {}, { "retry-after": "1" });
    }
  }
  throw new ApiError(503, "The credentials changed while their token was being issued; retry", {}, { "retry-after": "1" });
}

async function issueOne(services: Services, context: RequestContext, item: IssueItem): Promise<void> {
  const { db, config, outbound } = services;
  let issued;
  try {
    issued = await issueToken(item, outbound);
  } catch (error) {
    const failure = error instanceof IssueError ? error : new IssueError("The token could not be issued");
    await db.query((sql) =>
      sql`select sfp_api.fail_token_issue(integration_id => ${item.integration_id}::uuid, lease_id => ${item.lease_id}::uuid,
            message => ${failure.message}, refused => ${failure.refused}, context => ${jsonb(sql, context)}::jsonb)`
    );
    // A grant refused for good: the next read answers (and audits) that it needs re-authorization.
    if (failure.refused) return;
    throw new ApiError(502, failure.message, { integrationId: item.integration_id });
  }
  const row = await db.secretQuery<{ stored: string }>((sql, keyring) =>
    sql`select sfp_api.complete_token_issue(integration_id => ${item.integration_id}::uuid, lease_id => ${item.lease_id}::uuid,
          token => ${jsonb(sql, issued.token)}::jsonb, expires_at => ${issued.expiresAt}::timestamptz,
          versions_kept => ${config.versionsKept}, context => ${jsonb(sql, context)}::jsonb,
          keyring => ${keyring}::jsonb) as stored`
  );
  if (row.stored === "lease_lost" && item.kind === "refresh") {
    // The lease ran out while the service answered (the outbound timeout is capped well below
    // it, so this takes a stalled database): the refreshed pair is dropped, and the next
    // refresh of the old one is likely refused. Said in the log, without a secret.
    console.warn(JSON.stringify({ level: "warn", message: "A refreshed OAuth token was dropped: its issuance lease had run out", integration_id: item.integration_id }));
  }
}
