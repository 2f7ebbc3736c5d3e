/**
 * `sfp server oidc-policy create | list | delete`: who may exchange a pipeline's OIDC token
 * for an access token, and `sfp server oidc explain`: how a token fares against every policy
 * (docs/oidc.md). Owners. Through the typed client's `api` (every route, typed).
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { type components, type paths, SfpApiError } from "../../client/index.ts";
import { command, serverCommand } from "../command.ts";
import { CliError } from "../errors.ts";
import { collect } from "../input.ts";
import { type Column, record, table } from "../output.ts";

type OidcPolicy = components["schemas"]["OidcPolicy"];
type OidcExplanation = components["schemas"]["OidcExplanation"];
type CreateBody = NonNullable<paths["/sfp/api/oidc-policies"]["post"]["requestBody"]>["content"]["application/json"];
type Provider = NonNullable<CreateBody["providers"]>[number];

const GITHUB_ACTIONS = "https://token.actions.githubusercontent.com";

/** The data of a 2xx answer, else an SfpApiError (as the client's named helpers do). */
async function unwrap<T>(route: string, call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw SfpApiError.from(route, response, error);
  return data as T;
}

/** --claim name=value, repeatable, into an object. */
function claimPairs(pairs: string[] | undefined): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new CliError(`--claim must be name=value, e.g. repository=acme-corp/salesforce-main (got '${pair}')`, 2);
    claims[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return claims;
}

const POLICY_COLUMNS: Column<OidcPolicy>[] = [
  { header: "ID", value: (p) => p.id },
  { header: "NAME", value: (p) => p.name },
  { header: "AUDIENCE", value: (p) => p.audience },
  { header: "CLAIMS", value: (p) => Object.entries(p.claims).map(([k, v]) => `${k}=${v}`).join(", ") },
  { header: "PROJECTS", value: (p) => p.projects.join(", ") },
  { header: "PROVIDERS", value: (p) => p.providers?.join(", ") ?? "all" },
];

function policyRecord(policy: OidcPolicy): [string, unknown][] {
  return [
    ["id", policy.id],
    ["name", policy.name],
    ["issuer", policy.issuer],
    ["audience", policy.audience],
    ["claims", Object.entries(policy.claims).map(([k, v]) => `${k}=${v}`).join(", ")],
    ["subject", policy.subject ?? "any"],
    ["allow events", policy.allowEvents.join(", ") || "none"],
    ["projects", policy.projects.join(", ")],
    ["providers", policy.providers?.join(", ") ?? "all"],
    ["created", policy.created_at],
  ];
}

export function addOidcCommands(server: Command): void {
  const policies = server.command("oidc-policy").description("OIDC trust policies: pipelines without a stored token (owners)");

  serverCommand<{
    name: string;
    issuer: string;
    audience: string;
    claim?: string[];
    subject?: string;
    allowEvent?: string[];
    project: string[];
    provider?: string[];
    json?: boolean;
  }>(
    command(policies, {
      name: "create",
      description: "trusts a pipeline's OIDC token (issuer, audience, claims) to read the projects' credentials",
      example:
        "sfp server oidc-policy create -n salesforce-main-ci --audience https://sfp.acme-corp.example --claim repository=acme-corp/salesforce-main --claim repository_id=684201337 --claim ref=refs/heads/main --project acme-corp/salesforce-main",
    })
      .requiredOption("-n, --name <name>", "the policy's name")
      .option("--issuer <url>", "the OIDC issuer (one of the server's SFP_OIDC_ISSUERS)", GITHUB_ACTIONS)
      .requiredOption("--audience <audience>", "the audience the job requests its token for: specific to this server, e.g. its URL")
      .option("--claim <name=value>", "a claim the token must have (exact, or a glob with * where allowed); repeat for more", collect)
      .option("--subject <subject>", "the token's sub must match this (a glob)")
      .option("--allow-event <event>", "admit an event beyond the default allow-list (push, workflow_dispatch, schedule, release, ...), e.g. pull_request", collect)
      .requiredOption("--project <identifier>", "a project whose credentials it grants; repeat for more", collect)
      .option("--provider <provider>", "limit it to this provider's credentials; repeat for more", collect),
    async (options, { client }) => {
      const created = await unwrap<OidcPolicy>(
        "POST /sfp/api/oidc-policies",
        client.api.POST("/sfp/api/oidc-policies", {
          body: {
            name: options.name,
            issuer: options.issuer,
            audience: options.audience,
            claims: claimPairs(options.claim),
            projects: options.project,
            ...(options.subject ? { subject: options.subject } : {}),
            ...(options.allowEvent ? { allowEvents: options.allowEvent } : {}),
            ...(options.provider ? { providers: options.provider as Provider[] } : {}),
          },
        }),
      );
      return { text: record(policyRecord(created)), data: created };
    },
  );

  serverCommand(
    command(policies, { name: "list", description: "every trust policy, by name", example: "sfp server oidc-policy list" }),
    async (_options, { client }) => {
      const listed = await unwrap<OidcPolicy[]>("GET /sfp/api/oidc-policies", client.api.GET("/sfp/api/oidc-policies"));
      return { text: listed.length ? table(listed, POLICY_COLUMNS) : "No OIDC policies.\n", data: listed };
    },
  );

  serverCommand<{ id: string; json?: boolean }>(
    command(policies, {
      name: "delete",
      description: "deletes a policy: the access tokens it granted stop working",
      example: "sfp server oidc-policy delete -i 6f1c2a9e-0d7b-4c4e-9a51-2b8f0c3d4e5f",
    }).requiredOption("-i, --id <id>", "the policy's id (from list)"),
    async (options, { client }) => {
      const deleted = await unwrap<OidcPolicy>(
        "DELETE /sfp/api/oidc-policies/{id}",
        client.api.DELETE("/sfp/api/oidc-policies/{id}", { params: { path: { id: options.id } } }),
      );
      return { text: `Deleted OIDC policy '${deleted.name}' (${deleted.id})\n`, data: deleted };
    },
  );

  const oidc = server.command("oidc").description("OIDC tokens of pipelines: how they fare against the trust policies (owners)");
  serverCommand<{ tokenFile: string; json?: boolean }>(
    command(oidc, {
      name: "explain",
      description: "for each policy, matched or the first failing check; exchanges nothing",
      example: "sfp server oidc explain --token-file job-token.txt",
    }).requiredOption("--token-file <path>", "a file holding the job's OIDC token ('-': stdin)"),
    async (options, { client }) => {
      let token: string;
      try {
        token = readFileSync(options.tokenFile === "-" ? 0 : options.tokenFile, "utf8").trim();
      } catch {
        throw new CliError(`cannot read the token file '${options.tokenFile}'`);
      }
      const explained = await unwrap<OidcExplanation>(
        "POST /sfp/api/oidc/explain",
        client.api.POST("/sfp/api/oidc/explain", { body: { token } }),
      );
      const verdict = explained.valid
        ? `Token: valid; an exchange would use policy ${explained.policy ?? "(none: no policy matches)"}`
        : `Token: refused: ${explained.reason}`;
      const rows = explained.policies.map((p) => ({ ...p, verdict: p.matched ? "matched" : `${p.check}: ${p.message}` }));
      const text = `${verdict}\n` +
        (rows.length
          ? table(rows, [{ header: "POLICY", value: (p) => p.name }, { header: "VERDICT", value: (p) => p.verdict }])
          : "No OIDC policies.\n");
      return { text, data: explained };
    },
  );
}
