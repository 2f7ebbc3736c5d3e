/**
 * The CLI's commands against the real server, as child processes: projects (get, update with
 * check-and-set, delete), integrations (list, credentials hidden unless --reveal), application
 * tokens (created, listed, revoked, then refused); `--json` prints the API's data. And the
 * command tree itself: every command has --json (the groups aside) and an example in its
 * --help, `npx sfp --help` works from the checkout, the spinner appears only on a terminal.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProgram } from "../../cli/program.ts";
import { withProgress } from "../../cli/progress.ts";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { cliHome, sfp } from "../support/cli.ts";
import { createProject } from "../support/http.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const PROJECT = "acme-corp/salesforce-main";
const GITHUB = { token: "ghp_made_up_cli_secret" };

let home: ReturnType<typeof cliHome>;
beforeEach(() => {
  home = cliHome();
});
afterEach(() => home.remove());

const asOwner = (args: string[], input?: string) =>
  sfp(home.dir, args, { env: { SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: stack.owner.token }, input });

/** Output with uuids and timestamps replaced by placeholders. */
const normalized = (text: string) =>
  text.replaceAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<id>")
    .replaceAll(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00/g, "<time>");

/**
 * A table's cells, line by line (ids and times normalized), after checking that it is aligned:
 * every cell of a column starts where its header does.
 */
function tableCells(text: string): string[][] {
  const lines = text.trimEnd().split("\n");
  const starts = [...lines[0].matchAll(/\S+(?: \S+)*/g)].map((match) => match.index);
  for (const line of lines) {
    expect([...line.matchAll(/\S+(?: \S+)*/g)].map((match) => match.index), line).toEqual(starts);
  }
  return lines.map((line) => normalized(line).split(/ {2,}/));
}

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

describe("integrations", () => {
  it("create reads --credentials from stdin; list shows metadata; credentials hides values unless --reveal", async () => {
    await createProject(stack, PROJECT);
    const created = await asOwner(
      ["server", "integration", "create", "--provider", "github", "--auth-type", "pat", "--project", PROJECT, "--credentials", "-", "--json"],
      JSON.stringify(GITHUB),
    );
    expect(created.code).toBe(0);
    const { id } = JSON.parse(created.stdout);
    expect(created.stdout).not.toContain(GITHUB.token);

    expect(normalized((await asOwner(["server", "integration", "list"])).stdout)).toBe([
      "ID                                    PROVIDER  AUTH TYPE  SCOPE                      VERSION  UPDATED",
      "<id>  github    pat        acme-corp/salesforce-main  1        <time>",
      "",
    ].join("\n"));

    const hidden = await asOwner(["server", "integration", "credentials", "--provider", "github", "--project", PROJECT]);
    expect(hidden.stdout).toBe([
      "INTEGRATION                           PROVIDER  AUTH TYPE  CREDENTIALS",
      `${id}  github    pat        {"token":"(hidden)"}`,
      "",
    ].join("\n"));
    const hiddenJson = await asOwner(["server", "integration", "credentials", "--provider", "github", "--project", PROJECT, "--json"]);
    expect(JSON.parse(hiddenJson.stdout)).toEqual([{ integration_id: id, provider: "github", auth_type: "pat", credentials: { token: "(hidden)" } }]);

    const revealed = await asOwner(["server", "integration", "credentials", "--provider", "github", "--project", PROJECT, "--reveal", "--json"]);
    expect(JSON.parse(revealed.stdout)).toEqual([{ integration_id: id, provider: "github", auth_type: "pat", credentials: GITHUB }]);
  });

  it("create without --global or --project is a usage error (2); the server's refusal of a bad shape is 1, the secret never repeated", async () => {
    expect(await asOwner(["server", "integration", "create", "--provider", "github", "--auth-type", "pat", "--credentials", "{}"])).toEqual({
      code: 2, stdout: "", stderr: "error: give --global or at least one --project\n",
    });
    const wrong = await asOwner([
      "server", "integration", "create", "--provider", "github", "--auth-type", "pat", "--global", "--credentials",
      JSON.stringify({ ...GITHUB, password: GITHUB.token }),
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: credentials: .*password.* \(400 Bad Request\)\n$/);
    expect(wrong.stderr).not.toContain(GITHUB.token);
  });
});

describe("application tokens", () => {
  it("create prints the token once; list never; a revoked token is refused", async () => {
    await createProject(stack, PROJECT);
    const created = await asOwner(["server", "application-token", "create", "-n", "github-actions", "--expires-in", "90", "--project", PROJECT]);
    expect(created.code).toBe(0);
    const token = /^token\s+(sfp_app_\S+)$/m.exec(created.stdout)![1];
    expect(normalized(created.stdout)).toBe([
      "id         <id>",
      "name       github-actions",
      "status     active",
      `projects   ${PROJECT}`,
      "providers  all",
      "expires    <time>",
      `token      ${token}`,
      "",
    ].join("\n"));

    const listed = await asOwner(["server", "application-token", "list"]);
    expect(listed.stdout).not.toContain(token);
    expect(tableCells(listed.stdout)).toEqual([
      ["ID", "NAME", "STATUS", "PROJECTS", "PROVIDERS", "EXPIRES", "LAST USED"],
      ["<id>", "github-actions", "active", PROJECT, "all", "<time>", "never"],
    ]);

    const pipeline = (args: string[]) => sfp(home.dir, args, { env: { SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: token } });
    expect((await pipeline(["server", "whoami"])).stdout).toContain("caller  application token 'github-actions'\n");
    const id = JSON.parse((await asOwner(["server", "application-token", "list", "--json"])).stdout)[0].id;
    expect(await asOwner(["server", "application-token", "revoke", "-i", id])).toEqual({
      code: 0, stdout: `Revoked application token 'github-actions' (${id})\n`, stderr: "",
    });
    expect(await pipeline(["server", "project", "list"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: Application token revoked (401 Unauthorized): sign in again with sfp server login, or pass a valid --application-token\n",
    });
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

  it("every command's --help ends with an example of it", () => {
    expect(all.length).toBeGreaterThan(18);
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

  it("the spinner writes to a terminal only, and clears its line", async () => {
    const written: string[] = [];
    const stream = (isTTY: boolean) => ({ isTTY, write: (text: string) => written.push(text) }) as unknown as NodeJS.WriteStream;

    expect(await withProgress("Reading", async () => 42, stream(false))).toBe(42);
    expect(written).toEqual([]);

    expect(await withProgress("Reading", async () => 43, stream(true))).toBe(43);
    expect(written[0]).toBe("\r⠋ Reading");
    expect(written.at(-1)).toBe("\r\u001b[K");
  });
});
