/** `sfp server application-token create | list | revoke`: tokens for CI. */
import type { Command } from "commander";
import type { CreateApplicationTokenInput } from "../../client/index.ts";
import { command, serverCommand } from "../command.ts";
import { TOKEN_COLUMNS, tokenRecord } from "../views.ts";
import { collect, integerArgument } from "../input.ts";
import { record, table } from "../output.ts";

export function addApplicationTokenCommands(server: Command): void {
  const tokens = server.command("application-token").description("application tokens (sfp_app_...) for CI pipelines (owners)");

  serverCommand<{ name: string; expiresIn: number; project?: string[]; provider?: CreateApplicationTokenInput["providers"]; json?: boolean }>(
    command(tokens, {
      name: "create",
      description: "creates a token; it is printed this once, never again",
      example: "sfp server application-token create -n github-actions -x 90 --project acme-corp/salesforce-main --provider jira",
    })
      .requiredOption("-n, --name <name>", "what the token is for")
      .option("-x, --expires-in <days>", "days until it expires, 1 to 365", integerArgument(1, 365), 30)
      .option("--project <identifier>", "limit it to this project's credentials (and the global ones); repeat for more", collect)
      .option("--provider <provider>", "limit it to this provider's credentials; repeat for more", collect),
    async (options, { client }) => {
      const created = await client.createApplicationToken({
        name: options.name,
        expiresIn: options.expiresIn,
        ...(options.project ? { projects: options.project } : {}),
        ...(options.provider ? { providers: options.provider } : {}),
      });
      return { text: record([...tokenRecord(created), ["token", created.token]]), data: created };
    },
  );

  serverCommand(
    command(tokens, { name: "list", description: "every token's metadata, newest first (never the token)", example: "sfp server application-token list" }),
    async (_options, { client }) => {
      const listed = await client.listApplicationTokens();
      return { text: listed.length ? table(listed, TOKEN_COLUMNS) : "No application tokens.\n", data: listed };
    },
  );

  serverCommand<{ id: string; json?: boolean }>(
    command(tokens, {
      name: "revoke",
      description: "revokes a token: it is refused from then on",
      example: "sfp server application-token revoke -i 6f1c2a9e-0d7b-4c4e-9a51-2b8f0c3d4e5f",
    }).requiredOption("-i, --id <id>", "the token's id (from list)"),
    async (options, { client }) => {
      const revoked = await client.revokeApplicationToken(options.id);
      return { text: `Revoked application token '${revoked.name}' (${revoked.id})\n`, data: revoked };
    },
  );
}
