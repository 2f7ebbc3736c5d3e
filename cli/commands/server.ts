/** `sfp server login | logout | whoami`: the saved server URL and token, and who a token is. */
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { command, printing, serverCommand } from "../command.ts";
import { configPath, removeConfig, writeConfig } from "../config.ts";
import { connect, connectionOptions, type ConnectionOptions, resolveServer, type Server } from "../connection.ts";
import { CliError } from "../errors.ts";
import { caller } from "../views.ts";
import { record } from "../output.ts";

export function addSessionCommands(server: Command): void {
  const login = command(server, {
    name: "login",
    description: `checks a token against the sfp server and saves both in ${configPath()} (readable by you only)`,
    example: "sfp server login --sfp-server-url https://sfp.example.com --token-stdin < token.txt",
  });
  for (const option of connectionOptions()) login.addOption(option);
  login.addOption(new Option("--token-stdin", "read the token from stdin (keeps it out of the process list and the shell's history)"));
  let target: Server | undefined;
  printing<ConnectionOptions & { tokenStdin?: boolean; json?: boolean }>(login, async (options) => {
    target = resolveServer(options);
    const token = options.tokenStdin ? readFileSync(0, "utf8").trim() : options.applicationToken;
    if (!token) throw new CliError("no token: pass -t/--application-token, set SFP_SERVER_TOKEN, or use --token-stdin");
    const me = await connect(target, token).client.whoAmI();
    const path = configPath();
    writeConfig({ serverUrl: target.url, token });
    return {
      text: `Signed in to ${target.url} as ${caller(me)}; saved in ${path}\n`,
      data: { serverUrl: target.url, caller: me, config: path },
    };
  }, () => target);

  printing<{ json?: boolean }>(
    command(server, {
      name: "logout",
      description: `removes the saved server URL and token (${configPath()})`,
      example: "sfp server logout",
    }),
    async () => {
      const path = configPath();
      const removed = removeConfig(path);
      return { text: removed ? `Removed ${path}\n` : `Not signed in: no ${path}\n`, data: { removed, config: path } };
    },
  );

  serverCommand(
    command(server, { name: "whoami", description: "who the token is, for the sfp server", example: "sfp server whoami" }),
    async (_options, { server: target, client }) => {
      const me = await client.whoAmI();
      return { text: record([["server", target.url], ["caller", caller(me)], ["role", me.role ?? "none"]]), data: me };
    },
  );
}
