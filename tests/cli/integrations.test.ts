/**
 * `sfp server integration ...` against the real server, as child processes: credentials read
 * from a file and from stdin (never from a flag: `--credentials` is not an option), get, update
 * (new credentials, scope, check-and-set sent as If-Match), rollback, delete, and `credentials`
 * printing what the API returns, with `--field` for one value alone and its errors. Made-up
 * credentials only; no command but `credentials` ever prints one.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cliHome, type CliResult, normalized, sfp, tableCells } from "../support/cli.ts";
import { createProject } from "../support/http.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const PROJECT = "acme-corp/salesforce-main";
const JIRA = { base_url: "https://acme.atlassian.net", username: "sfp-service@acme.com", api_token: "made-up-jira-token-cli" };
const GITHUB = { token: "ghp_made_up_cli_secret" };
const GITHUB_NEW = { token: "ghp_made_up_cli_rotated" };

let home: ReturnType<typeof cliHome>;
beforeEach(() => {
  home = cliHome();
});
afterEach(() => home.remove());

const asOwner = (args: string[], input?: string) =>
  sfp(home.dir, args, { env: { SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: stack.owner.token }, input });

/** A file in the test's home holding `value` as JSON; its path. */
function credentialsFile(name: string, value: unknown): string {
  const path = join(home.dir, name);
  writeFileSync(path, JSON.stringify(value), { mode: 0o600 });
  return path;
}

/** Nothing printed holds a made-up secret. */
function expectNoSecret(result: CliResult) {
  for (const secret of [JIRA.api_token, GITHUB.token, GITHUB_NEW.token]) expect(result.stdout + result.stderr).not.toContain(secret);
}

/** The project, and a GitHub pat scoped to it created through the CLI from stdin; its id. */
async function githubIntegration(): Promise<string> {
  await createProject(stack, PROJECT);
  const created = await asOwner(
    ["server", "integration", "create", "--provider", "github", "--auth-type", "pat", "--project", PROJECT, "--credentials-stdin", "--json"],
    JSON.stringify(GITHUB),
  );
  expect(created.stderr).toBe("");
  return JSON.parse(created.stdout).id;
}

describe("create", () => {
  it("reads the credentials from a file (--credentials-file) or stdin (--credentials-stdin), and prints metadata only", async () => {
    await createProject(stack, PROJECT);
    const fromFile = await asOwner([
      "server", "integration", "create", "--provider", "jira", "--auth-type", "basic_auth", "--global",
      "--credentials-file", credentialsFile("jira.json", JIRA),
    ]);
    expect({ ...fromFile, stdout: normalized(fromFile.stdout) }).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        "id         <id>",
        "provider   jira",
        "auth type  basic_auth",
        "scope      global",
        "config     {}",
        "version    1",
        "created    <time>",
        "",
      ].join("\n"),
    });

    const fromStdin = await asOwner(
      [
        "server", "integration", "create", "--provider", "github", "--auth-type", "pat", "--project", PROJECT,
        "--config", '{"apiUrl": "https://github.example.com/api/v3"}', "--credentials-stdin", "--json",
      ],
      JSON.stringify(GITHUB),
    );
    expect(fromStdin.code).toBe(0);
    const created = JSON.parse(fromStdin.stdout);
    expect(created).toEqual((await stack.api("GET", "/integrations", { token: stack.owner.token })).body.find((i: { id: string }) => i.id === created.id));
    expect(created).toMatchObject({ provider: "github", auth_type: "pat", is_global: false, projects: [PROJECT], config: { apiUrl: "https://github.example.com/api/v3" } });
    expectNoSecret(fromFile);
    expectNoSecret(fromStdin);

    // Stored exactly as read.
    const read = await stack.api("GET", `/integrations/credentials?project=${encodeURIComponent(PROJECT)}`, { token: stack.owner.token });
    expect(read.body.map((entry: { credentials: unknown }) => entry.credentials)).toEqual([GITHUB, JIRA]);
  });

  it.each([
    ["a credentials flag (secrets never come from a flag's value)", ["--global", "--credentials", JSON.stringify(GITHUB)], "error: unknown option '--credentials'\n"],
    ["neither --credentials-file nor --credentials-stdin", ["--global"], "error: give --credentials-file <path> or --credentials-stdin\n"],
    ["both", ["--global", "--credentials-file", "x.json", "--credentials-stdin"],
      "error: option '--credentials-stdin' cannot be used with option '--credentials-file <path>'\n"],
    ["neither --global nor --project", ["--credentials-stdin"], "error: give --global or at least one --project\n"],
    ["--global and --project", ["--global", "--project", PROJECT, "--credentials-stdin"],
      "error: option '--project <identifier>' cannot be used with option '--global'\n"],
    ["a file that does not exist", ["--global", "--credentials-file", "missing.json"], "error: --credentials-file missing.json: no such file\n"],
  ])("refuses %s: one line, exit 2, nothing stored", async (_, args, stderr) => {
    const result = await asOwner(["server", "integration", "create", "--provider", "github", "--auth-type", "pat", ...args], JSON.stringify(GITHUB));
    expect(result).toEqual({ code: 2, stdout: "", stderr });
    expect((await stack.api("GET", "/integrations", { token: stack.owner.token })).body).toEqual([]);
  });

  it("credentials that are not a JSON object: named, never repeated", async () => {
    const notJson = await asOwner(["server", "integration", "create", "--provider", "github", "--auth-type", "pat", "--global", "--credentials-stdin"],
      `{"token": "${GITHUB.token}"`);
    expect(notJson).toEqual({ code: 2, stdout: "", stderr: "error: --credentials-stdin is not valid JSON\n" });
    const list = await asOwner(["server", "integration", "create", "--provider", "github", "--auth-type", "pat", "--global",
      "--credentials-file", credentialsFile("list.json", [GITHUB.token])]);
    expect(list).toEqual({ code: 2, stdout: "", stderr: "error: --credentials-file must be a JSON object\n" });
  });

  it("the server's refusal of a credential's shape: its message, exit 1, the secret never repeated", async () => {
    const wrong = await asOwner(["server", "integration", "create", "--provider", "github", "--auth-type", "pat", "--global", "--credentials-stdin"],
      JSON.stringify({ ...GITHUB, password: GITHUB.token }));
    expect(wrong).toEqual({ code: 1, stdout: "", stderr: 'error: credentials: Unrecognized key: "password" (400 Bad Request)\n' });
  });
});

describe("list, get, update, rollback, delete", () => {
  it("list and get show metadata; update stores new credentials from a file as a new version; rollback goes back; delete removes", async () => {
    const id = await githubIntegration();

    expect(tableCells((await asOwner(["server", "integration", "list"])).stdout)).toEqual([
      ["ID", "PROVIDER", "AUTH TYPE", "SCOPE", "VERSION", "UPDATED"],
      ["<id>", "github", "pat", PROJECT, "1", "<time>"],
    ]);
    expect(JSON.parse((await asOwner(["server", "integration", "list", "--provider", "jira", "--json"])).stdout)).toEqual([]);

    const updated = await asOwner(["server", "integration", "update", "-i", id, "--credentials-file", credentialsFile("new.json", GITHUB_NEW), "--if-version", "1"]);
    expect({ ...updated, stdout: normalized(updated.stdout) }).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        "id         <id>",
        "provider   github",
        "auth type  pat",
        "scope      acme-corp/salesforce-main",
        "config     {}",
        "version    2",
        "created    <time>",
        "",
      ].join("\n"),
    });
    const scoped = await asOwner(["server", "integration", "update", "-i", id, "--global", "--json"]);
    expect(JSON.parse(scoped.stdout)).toMatchObject({ id, is_global: true, projects: [], version: 3 });

    const got = await asOwner(["server", "integration", "get", "-i", id]);
    expect(normalized(got.stdout)).toBe([
      "id             <id>",
      "provider       github",
      "auth type      pat",
      "scope          global",
      "config         {}",
      "version        3",
      "created        <time>",
      "versions kept  1, 2, 3",
      "",
    ].join("\n"));
    expect(JSON.parse((await asOwner(["server", "integration", "get", "-i", id, "--json"])).stdout))
      .toEqual((await stack.api("GET", `/integrations/${id}`, { token: stack.owner.token })).body);

    const rolledBack = await asOwner(["server", "integration", "rollback", "-i", id, "--version", "1", "--json"]);
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ id, version: 4 });
    const current = await stack.api("GET", "/integrations/credentials?provider=github", { token: stack.owner.token });
    expect(current.body[0].credentials).toEqual(GITHUB);

    expect(await asOwner(["server", "integration", "delete", "-i", id])).toEqual({
      code: 0, stdout: `Deleted integration ${id} (github pat)\n`, stderr: "",
    });
    expect(await asOwner(["server", "integration", "get", "-i", id])).toEqual({
      code: 1, stdout: "", stderr: `error: Integration '${id}' not found (404 Not Found)\n`,
    });
  });

  it("update takes new credentials from stdin; --if-version that is not current is refused with the server's 409 and changes nothing", async () => {
    const id = await githubIntegration();
    const fromStdin = await asOwner(["server", "integration", "update", "-i", id, "--credentials-stdin", "--json"], JSON.stringify(GITHUB_NEW));
    expect(JSON.parse(fromStdin.stdout)).toMatchObject({ id, version: 2 });
    expectNoSecret(fromStdin);

    expect(await asOwner(["server", "integration", "update", "-i", id, "--credentials-stdin", "--if-version", "1"], JSON.stringify(GITHUB))).toEqual({
      code: 1, stdout: "", stderr: "error: Version 1 is not current: the integration is at version 2 (409 Conflict)\n",
    });
    expect(await asOwner(["server", "integration", "rollback", "-i", id, "--version", "1", "--if-version", "1"])).toEqual({
      code: 1, stdout: "", stderr: "error: Version 1 is not current: the integration is at version 2 (409 Conflict)\n",
    });
    const current = await stack.api("GET", `/integrations/credentials?provider=github&project=${encodeURIComponent(PROJECT)}`, { token: stack.owner.token });
    expect(current.body[0].credentials).toEqual(GITHUB_NEW);
  });

  it.each([
    ["nothing to change", ["-i", "x"], "error: nothing to change: give --credentials-file or --credentials-stdin, --config, --global or --project\n"],
    ["rollback without --version", null, "error: required option '--version <n>' not specified\n"],
    ["a version that is not a whole number", ["-i", "x", "--if-version", "two", "--global"],
      "error: option '--if-version <n>' argument 'two' is invalid. must be a whole number from 1 to 999999999\n"],
  ])("a wrong command line: %s, exit 2", async (_, args, stderr) => {
    const command = args === null ? ["server", "integration", "rollback", "-i", "x"] : ["server", "integration", "update", ...args];
    expect(await asOwner(command)).toEqual({ code: 2, stdout: "", stderr });
  });
});

describe("credentials", () => {
  /** A global Jira integration and a GitHub one scoped to the project; their ids. */
  async function arrange() {
    await createProject(stack, PROJECT);
    const jira = await stack.api("POST", "/integrations", {
      token: stack.owner.token, body: { provider: "jira", authType: "basic_auth", credentials: JIRA, isGlobal: true },
    });
    const github = await stack.api("POST", "/integrations", {
      token: stack.owner.token, body: { provider: "github", authType: "pat", credentials: GITHUB, projects: [PROJECT] },
    });
    return { jira: jira.body.id as string, github: github.body.id as string };
  }

  it("prints what the API returns: a table, or with --json the API's answer as is", async () => {
    const ids = await arrange();
    const text = await asOwner(["server", "integration", "credentials", "--project", PROJECT]);
    expect(text).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        "INTEGRATION                           PROVIDER  AUTH TYPE   CREDENTIALS",
        `${ids.github}  github    pat         {"token":"ghp_made_up_cli_secret"}`,
        `${ids.jira}  jira      basic_auth  {"base_url":"https://acme.atlassian.net","username":"sfp-service@acme.com","api_token":"made-up-jira-token-cli"}`,
        "",
      ].join("\n"),
    });
    const json = await asOwner(["server", "integration", "credentials", "--provider", "jira", "--project", PROJECT, "--json"]);
    expect(JSON.parse(json.stdout)).toEqual(
      (await stack.api("GET", `/integrations/credentials?provider=jira&project=${encodeURIComponent(PROJECT)}`, { token: stack.owner.token })).body,
    );
    expect(JSON.parse(json.stdout)).toEqual([{ integration_id: ids.jira, provider: "jira", auth_type: "basic_auth", credentials: JIRA }]);
  });

  it("--field prints one value alone, for $(...) in a script (an application token reads it too)", async () => {
    await arrange();
    expect(await asOwner(["server", "integration", "credentials", "--provider", "jira", "--project", PROJECT, "--field", "api_token"]))
      .toEqual({ code: 0, stdout: `${JIRA.api_token}\n`, stderr: "" });
    expect(await asOwner(["server", "integration", "credentials", "--provider", "github", "--project", PROJECT, "--field", "token", "--json"]))
      .toEqual({ code: 0, stdout: `"${GITHUB.token}"\n`, stderr: "" });

    const app = await stack.api("POST", "/application-tokens", { token: stack.owner.token, body: { name: "ci", expiresIn: 1 } });
    const script = await sfp(home.dir, ["server", "integration", "credentials", "--provider", "github", "--project", PROJECT, "--field", "token"], {
      env: { SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: app.body.token },
    });
    expect(script).toEqual({ code: 0, stdout: `${GITHUB.token}\n`, stderr: "" });
  });

  it("--field is an error, naming no value, when several integrations match or the field is absent", async () => {
    const ids = await arrange();
    const several = await asOwner(["server", "integration", "credentials", "--project", PROJECT, "--field", "token"]);
    expect(several).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: --field token needs exactly one integration, and 2 match (github ${ids.github}, jira ${ids.jira}): narrow the read with --provider and --project\n`,
    });
    const absent = await asOwner(["server", "integration", "credentials", "--provider", "jira", "--field", "token"]);
    expect(absent).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: integration ${ids.jira} (jira basic_auth) has no credential field 'token'; its fields: base_url, username, api_token\n`,
    });
    expectNoSecret(several);
    expectNoSecret(absent);
  });

  it("nothing matches: the server's 404 in one line", async () => {
    await createProject(stack, PROJECT);
    expect(await asOwner(["server", "integration", "credentials", "--provider", "jira", "--project", PROJECT, "--field", "api_token"])).toEqual({
      code: 1, stdout: "", stderr: `error: No integration found for provider=jira, project=${PROJECT} (404 Not Found)\n`,
    });
  });
});
