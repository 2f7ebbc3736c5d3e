/**
 * The documented workflow, run as written: the commands of docs/cli.md's workflow block and of
 * README's CLI block, through sh with `sfp` on the PATH (README: `npx sfp` in the checkout),
 * against the real server and a local Jira that follows Jira Cloud's search API and checks the
 * Basic auth header. The one change: the Jira credential's base_url names that local Jira
 * instead of https://acme.atlassian.net. docs/cli.md reads the Jira credentials from the file
 * it shows (written here as shown) and the GitHub token from stdin; README both from stdin.
 * Each command's output is checked whole (ids and times aside), and what was stored after.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { cliHome, normalized, sfpShell } from "../support/cli.ts";
import { type FakeJira, startFakeJira } from "../support/jira-server.ts";
import { useTestStack } from "../support/test-stack.ts";

// The server checks a Jira credential's base_url with its outbound rules: the local Jira is plain http on 127.0.0.1.
const stack = useTestStack({ env: { SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK: "true" } });

const JIRA_USER = "sfp-service@acme.com";
const JIRA_TOKEN = "made-up-jira-token";
const GITHUB_TOKEN = "ghp_made_up";
const ISSUES = [
  { key: "DP-12", summary: "Deploy the pricing flow", status: "In Progress", type: "Story", assignee: "Ada Lovelace" },
  { key: "OPS-3", summary: "Not a DP issue", status: "To Do", type: "Task", assignee: null },
  { key: "DP-7", summary: "Fix the quote layout", status: "To Do", type: "Bug", assignee: null },
];

let jira: FakeJira;
beforeAll(async () => {
  jira = await startFakeJira({ username: JIRA_USER, apiToken: JIRA_TOKEN, issues: ISSUES });
});
afterAll(() => jira?.stop());

let home: ReturnType<typeof cliHome>;
beforeEach(() => {
  home = cliHome();
  jira.requests.length = 0;
});
afterEach(() => home.remove());

/** The text of a fenced block between `<!-- name:start -->` and `<!-- name:end -->` in a document. */
function documentedBlock(document: string, name: string, language: string): string {
  const text = readFileSync(join(PROJECT_ROOT, document), "utf8");
  const block = new RegExp(`<!-- ${name}:start -->\\s*\`\`\`${language}\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`).exec(text);
  expect(block, `${document} has a ${name} block`).not.toBeNull();
  return block![1];
}

/** The commands of a bash block: continuation lines joined, comments and export lines left out. */
function documentedCommands(document: string, name: string): string[] {
  return documentedBlock(document, name, "bash")
    .replaceAll(/\\\n\s*/g, "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#") && !line.startsWith("export "));
}

/** The documentation's Jira site pointed at the local Jira. */
const withLocalJira = (text: string) => text.replaceAll('"base_url": "https://acme.atlassian.net"', `"base_url": "${jira.url}"`);

/** What the user's shell holds: the server, the token npm start printed, the secrets of the pipeline. */
const env = () => ({
  SFP_SERVER_URL: stack.url,
  SFP_SERVER_TOKEN: stack.owner.token,
  SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK: "true",
  GITHUB_TOKEN,
  JIRA_API_TOKEN: JIRA_TOKEN,
  // npm's update check would ask the registry and print a notice on stderr.
  NPM_CONFIG_UPDATE_NOTIFIER: "false",
});

/** Runs each command as written (in `cwd`); all must succeed silently on stderr; their normalized outputs. */
async function runAll(commands: string[], cwd?: string): Promise<string[]> {
  const outputs: string[] = [];
  for (const command of commands) {
    const result = await sfpShell(home.dir, withLocalJira(command), { env: env(), cwd });
    expect({ command, code: result.code, stderr: result.stderr }).toEqual({ command, code: 0, stderr: "" });
    outputs.push(normalized(result.stdout));
  }
  return outputs;
}

const PROJECT_RECORD = (version: number, configuration: string, integrations: string) => [
  "identifier     acme-corp/salesforce-main",
  "remote url     https://github.com/acme-corp/salesforce-main",
  "platform       github",
  `version        ${version}`,
  `configuration  ${configuration}`,
  `integrations   ${integrations}`,
  "created        <time>",
  "updated        <time>",
  "",
].join("\n");

const INTEGRATION_RECORD = (provider: string, authType: string, scope: string) => [
  "id         <id>",
  `provider   ${provider}`,
  `auth type  ${authType}`,
  `scope      ${scope}`,
  "config     {}",
  "version    1",
  "created    <time>",
  "",
].join("\n");

const PROJECT_LIST = [
  "IDENTIFIER                 PLATFORM  VERSION  INTEGRATIONS  REMOTE URL",
  "acme-corp/salesforce-main  github    1        none          https://github.com/acme-corp/salesforce-main",
  "",
].join("\n");

const WORK_ITEMS = [
  "KEY    TYPE   STATUS       ASSIGNEE      SUMMARY",
  "DP-12  Story  In Progress  Ada Lovelace  Deploy the pricing flow",
  "DP-7   Bug    To Do        unassigned    Fix the quote layout",
  "",
].join("\n");

/** The credentials table's line for the Jira credential (the integration's id normalized), padded to the header. */
const jiraCredentialsTable = () => {
  const credentials = `{"base_url":"${jira.url}","username":"${JIRA_USER}","api_token":"${JIRA_TOKEN}"}`;
  return [
    "INTEGRATION                           PROVIDER  AUTH TYPE   CREDENTIALS",
    `<id>  jira      basic_auth  ${credentials}`,
    "",
  ].join("\n");
};

/** Jira was asked once, as its API documents, with the stored credential; the credential read once per read, audited, by the owner through the CLI. */
async function expectJiraAskedWithTheStoredCredential() {
  expect(jira.requests).toEqual([{
    method: "POST",
    path: "/rest/api/3/search/jql",
    authorization: `Basic ${Buffer.from(`${JIRA_USER}:${JIRA_TOKEN}`).toString("base64")}`,
    body: { jql: 'project in ("DP") ORDER BY updated DESC', maxResults: 50, fields: ["summary", "status", "issuetype", "assignee"] },
  }]);
  const reads = await stack.sql`
    select actor_email, outcome, provider, project, user_agent from sfp.audit_log where action = 'credentials.read' order by id`;
  const read = { actor_email: stack.owner.email, outcome: "granted", provider: "jira", project: "acme-corp/salesforce-main", user_agent: "sfp-cli" };
  expect(reads.map((row) => ({ ...row }))).toEqual([read, read]);
}

/** The stored credentials are exactly those of the file and of stdin (a read: after the audit rows are checked). */
async function expectStoredCredentials() {
  const read = await stack.api("GET", "/integrations/credentials?project=acme-corp%2Fsalesforce-main", { token: stack.owner.token });
  expect(read.body.map((entry: { provider: string; credentials: unknown }) => [entry.provider, entry.credentials])).toEqual([
    ["github", { token: GITHUB_TOKEN }],
    ["jira", { base_url: jira.url, username: JIRA_USER, api_token: JIRA_TOKEN }],
  ]);
}

describe("docs/cli.md's workflow", () => {
  it("runs as written, each command answering exactly what the documentation shows", async () => {
    const commands = documentedCommands("docs/cli.md", "workflow");
    expect(commands.map((command) => command.split(" --")[0])).toEqual([
      "sfp server project create",
      "sfp server project list",
      "sfp server integration create",
      `printf '{"token": "%s"}' "$GITHUB_TOKEN" | sfp server integration create`,
      "sfp server project update -r acme-corp/salesforce-main -p configuration.workItems -v '{\"provider\": \"jira\", \"jiraProjects\": [\"DP\"], \"baseUrl\": \"https://acme.atlassian.net/browse\"}'",
      "sfp server integration credentials",
      "sfp work-items list",
    ]);
    // The credentials file as the documentation shows it, in the folder the commands run in.
    writeFileSync(join(home.dir, "jira-credentials.json"), withLocalJira(documentedBlock("docs/cli.md", "jira-credentials", "json")), { mode: 0o600 });

    expect(await runAll(commands, home.dir)).toEqual([
      PROJECT_RECORD(1, "{}", "none"),
      PROJECT_LIST,
      INTEGRATION_RECORD("jira", "basic_auth", "global"),
      INTEGRATION_RECORD("github", "pat", "acme-corp/salesforce-main"),
      // As PostgreSQL's jsonb keeps an object's keys: shorter first.
      PROJECT_RECORD(2, '{"workItems":{"baseUrl":"https://acme.atlassian.net/browse","provider":"jira","jiraProjects":["DP"]}}', "github/pat, jira/basic_auth (global)"),
      jiraCredentialsTable(),
      WORK_ITEMS,
    ]);
    await expectJiraAskedWithTheStoredCredential();
    await expectStoredCredentials();
  });
});

describe("README's CLI block", () => {
  it("runs as written (npx sfp in the checkout, the credentials from stdin)", async () => {
    const commands = documentedCommands("README.md", "cli");
    expect(commands.every((command) => command.includes("npx sfp "))).toBe(true);
    const outputs = await runAll(commands);
    expect(outputs[1]).toBe(PROJECT_LIST);
    expect(outputs.at(-2)).toBe(jiraCredentialsTable());
    expect(outputs.at(-1)).toBe(WORK_ITEMS);
    await expectJiraAskedWithTheStoredCredential();
    await expectStoredCredentials();
  });
});
