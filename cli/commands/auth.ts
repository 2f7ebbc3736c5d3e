/**
 * `sfp server auth login | clear` (the saved server URL and token) and `sfp server whoami`.
 * The first version's `sfp server login | logout` are gone: one spelling, the issue's.
 */
import { type Command, Option } from "commander";
import { command, printing, serverCommand } from "../command.ts";
import { configPath, removeConfig, writeConfig } from "../config.ts";
import { connect, type ConnectionOptions, resolveServer, type Server, serverUrlOption } from "../connection.ts";
import { CliError, EXIT_USAGE } from "../errors.ts";
import { record } from "../output.ts";
import { tokenFromStdin } from "../secret-input.ts";
import { caller } from "../views.ts";

interface LoginOptions extends ConnectionOptions {
  token?: string;
  tokenStdin?: boolean;
  json?: boolean;
}

export function addAuthCommands(server: Command): void {
  const auth = server.command("auth").description(`the server URL and token saved in ${configPath()}`);

  const login = command(auth, {
    name: "login",
    description: `checks a token against the sfp server, then saves the server's URL and the token in ${configPath()} (mode 0600: readable by you only)`,
    example: "sfp server auth login --sfp-server-url https://sfp.example.com --token-stdin < token.txt",
  })
    .addOption(serverUrlOption())
    .addOption(new Option("--token <token>", "the token to save (an application token sfp_app_..., or a user's token)"))
    .addOption(new Option("--token-stdin", "read the token from stdin instead (keeps it out of the shell's history and ps)").conflicts("token"));
  let target: Server | undefined;
  printing<LoginOptions>(login, async (options) => {
    target = resolveServer(options);
    const token = options.tokenStdin ? tokenFromStdin() : options.token;
    if (!token) throw new CliError("give --token <token> or --token-stdin", EXIT_USAGE);
    // A refused token is never saved: the check names why, as for any command.
    const me = await connect(target, token).client.whoAmI();
    const path = configPath();
    writeConfig({ serverUrl: target.url, token });
    return {
      text: `Signed in to ${target.url} as ${caller(me)}; saved in ${path}\n`,
      data: { serverUrl: target.url, caller: me, config: path },
    };
  }, () => target);

  printing<{ json?: boolean }>(
    command(auth, {
      name: "clear",
      description: `removes the saved server URL and token (${configPath()})`,
      example: "sfp server auth clear",
    }),
    async () => {
      const path = configPath();
      const removed = removeConfig(path);
      return { text: removed ? `Removed ${path}\n` : `Nothing to clear: no ${path}\n`, data: { removed, config: path } };
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
