/** `sfp server user list | add | role | remove`: the team's members and their roles (owners). */
import { type Command, Option } from "commander";
import type { AddMemberInput } from "../../client/index.ts";
import { command, serverCommand } from "../command.ts";
import { record, table } from "../output.ts";
import { MEMBER_COLUMNS, memberRecord } from "../views.ts";

type Role = AddMemberInput["role"];

const EMAIL = "-e, --email <email>";
const EMAIL_HELP = "the user's email (matched case-insensitively)";

function roleOption(description: string): Option {
  return new Option("--role <role>", description).choices(["owner", "member"]).makeOptionMandatory();
}

export function addUserCommands(server: Command): void {
  const user = server.command("user").description("the team: who may use the server, as owner or member (owners)");

  serverCommand(
    command(user, { name: "list", description: "every member and their role, by email", example: "sfp server user list" }),
    async (_options, { client }) => {
      const members = await client.listMembers();
      return { text: members.length ? table(members, MEMBER_COLUMNS) : "No members.\n", data: members };
    },
  );

  serverCommand<{ email: string; role: Role; json?: boolean }>(
    command(user, {
      name: "add",
      description: "adds a user who signed up and confirmed their email",
      example: "sfp server user add -e dev@acme.com --role member",
    })
      .requiredOption(EMAIL, EMAIL_HELP)
      .addOption(roleOption("owner (everything) or member (reads projects)")),
    async (options, { client }) => {
      const added = await client.addMember({ email: options.email, role: options.role });
      return { text: record(memberRecord(added)), data: added };
    },
  );

  serverCommand<{ email: string; role: Role; json?: boolean }>(
    command(user, {
      name: "role",
      description: "changes a member's role (the team always keeps an owner)",
      example: "sfp server user role -e dev@acme.com --role owner",
    })
      .requiredOption(EMAIL, EMAIL_HELP)
      .addOption(roleOption("the new role: owner or member")),
    async (options, { client }) => {
      const changed = await client.changeMemberRole(options.email, options.role);
      return { text: record(memberRecord(changed)), data: changed };
    },
  );

  serverCommand<{ email: string; json?: boolean }>(
    command(user, {
      name: "remove",
      description: "removes a member from the team (the team always keeps an owner)",
      example: "sfp server user remove -e dev@acme.com",
    }).requiredOption(EMAIL, EMAIL_HELP),
    async (options, { client }) => {
      const removed = await client.removeMember(options.email);
      return { text: `Removed ${removed.email} (${removed.role}) from the team\n`, data: removed };
    },
  );
}
