/**
 * The CLI's commands against the real server, as child processes: projects (create, list, get,
 * update with check-and-set, delete), application tokens (created with an expiry and a scope,
 * listed without the token, revoked, then refused); `--json` prints the API's data. And the
 * command tree itself: every command has --json (the groups aside) and an example in its
 * --help, `npx sfp --help` works from the checkout, the spinner appears only on a terminal.
 * Integrations: integrations.test.ts; the team and the audit log: team-and-audit.test.ts.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProgram } from "../../cli/program.ts";
import { withProgress } from "../../cli/progress.ts";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { cliHome, normalized, sfp, tableCells } from "../support/cli.ts";
import { createProject } from "../support/http.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const PROJECT = "acme-corp/salesforce-main";

let home: ReturnType<typeof cliHome>;
beforeEach(() => {
  home = cliHome();
});
afterEach(() => home.remove());

const asOwner = (args: string[], input?: string) =>
  sfp(home.dir, args, { env: { SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: stack.owner.token }, input });

describe("projects", () => {
  it("get prints the project; --json the API's answer", async () => {
    await createProject(stack, PROJECT);
    const text = await asOwner(["server", "project", "get", "-r", PROJECT]);
    expect(normalized(text.stdout)).toBe([
      "identifier     acme-corp/salesforce-main",
      "remote url     https://github.com/acme-corp/salesforce-main",
      "platform       github",
      "version        1",
      "configuration  {}",
      "integrations   none",
      "created        <time>",
      "updated        <time>",
      "",
    ].join("\n"));
    const json = await asOwner(["server", "project", "get", "-r", PROJECT, "--json"]);
    expect(JSON.parse(json.stdout)).toEqual((await stack.api("GET", `/projects/${encodeURIComponent(PROJECT)}`, { token: stack.owner.token })).body);
  });

  it("update takes -v as JSON, or as a string when it is not JSON; --if-version refuses a stale change with the server's 409", async () => {
    await createProject(stack, PROJECT);
    const url = await asOwner(["server", "project", "update", "-r", PROJECT, "-p", "remoteUrl", "-v", "git@gitlab.com:acme-corp/salesforce-main.git", "--json"]);
    expect(JSON.parse(url.stdout)).toMatchObject({ remote_url: "git@gitlab.com:acme-corp/salesforce-main.git", platform: "gitlab", version: 2 });

    const current = await asOwner(["server", "project", "update", "-r", PROJECT, "-p", "configuration.owner", "-v", '{"team": "platform"}', "--if-version", "2", "--json"]);
    expect(JSON.parse(current.stdout)).toMatchObject({ configuration: { owner: { team: "platform" } }, version: 3 });

    expect(await asOwner(["server", "project", "update", "-r", PROJECT, "-p", "configuration.owner", "-v", "null", "--if-version", "2"])).toEqual({
      code: 1, stdout: "", stderr: "error: Version 2 is not current: the project is at version 3 (409 Conflict)\n",
    });
    expect(await asOwner(["server", "project", "update", "-r", PROJECT, "-p", "configuration.workItems", "-v", '{"provider": "jira", "jiraProjects": []}']))
      .toEqual({ code: 1, stdout: "", stderr: "error: configuration.workItems.jiraProjects: list at least one Jira project key (400 Bad Request)\n" });
  });

  it("list shows every project; delete removes one", async () => {
    await createProject(stack, PROJECT);
    await createProject(stack, "acme-corp/other");
    expect((await asOwner(["server", "project", "list"])).stdout).toBe([
      "IDENTIFIER                 PLATFORM  VERSION  INTEGRATIONS  REMOTE URL",
      "acme-corp/other            github    1        none          https://github.com/acme-corp/other",
      "acme-corp/salesforce-main  github    1        none          https://github.com/acme-corp/salesforce-main",
      "",
    ].join("\n"));
    expect(await asOwner(["server", "project", "delete", "-r", "acme-corp/other"])).toEqual({
      code: 0, stdout: "Deleted project acme-corp/other\n", stderr: "",
    });
    expect(await asOwner(["server", "project", "get", "-r", "acme-corp/other"])).toEqual({
      code: 1, stdout: "", stderr: "error: Project 'acme-corp/other' not found (404 Not Found)\n",
    });
  });
});

describe("application tokens", () => {
  it("create -x prints the token once, with its scope; list never shows it; a revoked token is refused", async () => {
    await createProject(stack, PROJECT);
    const created = await asOwner(["server", "application-token", "create", "-n", "github-actions", "-x", "90", "--project", PROJECT, "--provider", "jira"]);
    expect(created.code).toBe(0);
    const token = /^token\s+(sfp_app_\S+)$/m.exec(created.stdout)![1];
    expect(normalized(created.stdout)).toBe([
      "id         <id>",
      "name       github-actions",
      "status     active",
      `projects   ${PROJECT}`,
      "providers  jira",
      "expires    <time>",
      `token      ${token}`,
      "",
    ].join("\n"));
    const days = (Date.parse(JSON.parse((await asOwner(["server", "application-token", "list", "--json"])).stdout)[0].expires_at) - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(90);

    const listed = await asOwner(["server", "application-token", "list"]);
    expect(listed.stdout).not.toContain(token);
    expect(tableCells(listed.stdout)).toEqual([
      ["ID", "NAME", "STATUS", "PROJECTS", "PROVIDERS", "EXPIRES", "LAST USED"],
      ["<id>", "github-actions", "active", PROJECT, "jira", "<time>", "never"],
    ]);

    const pipeline = (args: string[]) => sfp(home.dir, args, { env: { SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: token } });
    expect((await pipeline(["server", "whoami"])).stdout).toContain("caller  application token 'github-actions'\n");
    // Its scope, as the server enforces it.
    expect(await pipeline(["server", "integration", "credentials", "--provider", "github", "--project", PROJECT])).toEqual({
      code: 1, stdout: "", stderr: "error: Forbidden - token not scoped to provider 'github' (403 Forbidden)\n",
    });
    const id = JSON.parse((await asOwner(["server", "application-token", "list", "--json"])).stdout)[0].id;
    expect(await asOwner(["server", "application-token", "revoke", "-i", id])).toEqual({
      code: 0, stdout: `Revoked application token 'github-actions' (${id})\n`, stderr: "",
    });
    expect(await pipeline(["server", "project", "list"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: Application token revoked (401 Unauthorized): store a valid token with sfp server auth login, or pass one with -t/--application-token\n",
    });
  });

  it("create --json is the API's answer; the default expiry is 30 days; -x outside 1 to 365 is a usage error", async () => {
    const created = await asOwner(["server", "application-token", "create", "-n", "nightly", "--json"]);
    const body = JSON.parse(created.stdout);
    expect(body).toMatchObject({ name: "nightly", status: "active", projects: null, providers: null, token: expect.stringMatching(/^sfp_app_/) });
    expect(Math.round((Date.parse(body.expires_at) - Date.now()) / 86_400_000)).toBe(30);
    expect(await asOwner(["server", "application-token", "create", "-n", "x", "-x", "366"])).toEqual({
      code: 2, stdout: "", stderr: "error: option '-x, --expires-in <days>' argument '366' is invalid. must be a whole number from 1 to 365\n",
    });
    expect(normalized((await asOwner(["server", "application-token", "list"])).stdout)).not.toContain(body.token);
  });
});

describe("the command tree", () => {
  /** Every command under `command`, itself included, with its full name. */
  function commands(command: Command, prefix = ""): { name: string; command: Command }[] {
    const name = `${prefix}${command.name()}`;
    return [{ name, command }, ...command.commands.filter((sub) => sub.name() !== "help").flatMap((sub) => commands(sub, `${name} `))];
  }

  function help(command: Command): string {
    let text = "";
    command.configureOutput({ writeOut: (chunk) => (text += chunk) });
    command.outputHelp();
    return text;
  }

  const all = commands(createProgram());

  it("the tree is the issues': every command they name (12, and 15's OIDC), and no other", () => {
    expect(all.filter(({ command }) => command.commands.length === 0).map(({ name, command }) =>
      [name, ...command.aliases()].join(" | "))).toEqual([
      "sfp server auth login",
      "sfp server auth clear",
      "sfp server whoami",
      "sfp server project create | register",
      "sfp server project list",
      "sfp server project get",
      "sfp server project update",
      "sfp server project delete",
      "sfp server integration create",
      "sfp server integration list",
      "sfp server integration get",
      "sfp server integration update",
      "sfp server integration rollback",
      "sfp server integration delete",
      "sfp server integration credentials",
      "sfp server application-token create",
      "sfp server application-token list",
      "sfp server application-token revoke",
      "sfp server oidc-policy create",
      "sfp server oidc-policy list",
      "sfp server oidc-policy delete",
      "sfp server oidc explain",
      "sfp server user list",
      "sfp server user add",
      "sfp server user role",
      "sfp server user remove",
      "sfp server audit list",
      "sfp server audit export",
      "sfp server audit verify",
      "sfp work-items list",
    ]);
  });

  it("every command's --help ends with an example of it", () => {
    for (const { name, command } of all) {
      const example = /\nExample:\n  \$ (.+)\n+$/.exec(help(command));
      expect(example, name).not.toBeNull();
      // The example runs this command (a group's, one below it).
      expect(example![1].startsWith(name), `${name}: ${example![1]}`).toBe(true);
    }
  });

  it("every command that answers something takes --json", () => {
    const leaves = all.filter(({ command }) => command.commands.length === 0);
    for (const { name, command } of leaves) {
      expect(command.options.map((option) => option.long), name).toContain("--json");
    }
  });

  it("npx sfp --help works from the checkout, and shows where the configuration lives", async () => {
    const { stdout } = await promisify(execFile)("npx", ["sfp", "--help"], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, HOME: home.dir, SFP_CONFIG_DIR: home.configDir, NPM_CONFIG_UPDATE_NOTIFIER: "false" },
    });
    expect(stdout).toMatch(/^Usage: sfp \[options\] \[command\]\n/);
    expect(stdout).toContain(`  ${home.configDir}/config.json\n`);
  });

  it("the spinner writes to a terminal only, shows the label's changes, and clears its line", async () => {
    const written: string[] = [];
    const stream = (isTTY: boolean) => ({ isTTY, write: (text: string) => written.push(text) }) as unknown as NodeJS.WriteStream;

    expect(await withProgress("Reading", async (setLabel) => (setLabel("Reading: 50"), 42), stream(false))).toBe(42);
    expect(written).toEqual([]);

    expect(await withProgress("Reading", async (setLabel) => (setLabel("Reading: 50"), 43), stream(true))).toBe(43);
    expect(written).toEqual(["\r⠋ Reading\u001b[K", "\r⠙ Reading: 50\u001b[K", "\r\u001b[K"]);
  });
});
