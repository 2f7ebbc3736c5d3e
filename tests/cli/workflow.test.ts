/**
 * The documented workflow, run as written: the commands of docs/cli.md's workflow block (and
 * README's CLI block) through sh with `sfp` on the PATH, against the real server and a local
 * Jira that follows Jira Cloud's search API. The one change: the Jira credential's base_url
 * names that local Jira instead of https://acme.atlassian.net. Each command's output is checked
 * whole (ids and times aside), and the stored state after.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { cliHome, sfpShell } from "../support/cli.ts";
import { type FakeJira, startFakeJira } from "../support/jira-server.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const JIRA_USER = "sfp-service@acme.com";
const JIRA_TOKEN = "made-up-jira-token";
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
});
afterEach(() => home.remove());

/** The commands of a fenced block between `<!-- name:start -->` and `<!-- name:end -->` in a document: continuation lines joined, comments and export lines left out. */
function documentedCommands(document: string, name: string): string[] {
  const text = readFileSync(join(PROJECT_ROOT, document), "utf8");
  const block = new RegExp(`<!-- ${name}:start -->\\s*\`\`\`bash\\n([\\s\\S]*?)\`\`\`\\s*<!-- ${name}:end -->`).exec(text);
  expect(block, `${document} has a ${name} block`).not.toBeNull();
  return block![1]
    .replaceAll(/\\\n\s*/g, "")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#") && !line.startsWith("export "));
}

/** Output with the things that change per run (uuids, timestamps) replaced by placeholders. */
function normalized(text: string): string {
  return text
    .replaceAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<id>")
    .replaceAll(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00/g, "<time>");
}

/** The command line with the Jira site of the documentation pointed at the local Jira. */
const withLocalJira = (command: string) => command.replaceAll('"base_url": "https://acme.atlassian.net"', `"base_url": "${jira.url}"`);

const env = () => ({ SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: stack.owner.token, SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK: "true" });

describe("docs/cli.md's workflow", () => {
  it("runs as written, each command answering exactly what the documentation shows", async () => {
    const commands = documentedCommands("docs/cli.md", "workflow");
    expect(commands.map((command) => command.split(" --")[0])).toEqual([
      "sfp server project create",
      "sfp server integration create",
      "sfp server integration create",
      "sfp server project update -r acme-corp/salesforce-main -p configuration.workItems -v '{\"provider\": \"jira\", \"jiraProjects\": [\"DP\"], \"baseUrl\": \"https://acme.atlassian.net/browse\"}'",
      "sfp server integration credentials",
      "sfp work-items list",
    ]);

    const outputs: string[] = [];
    for (const command of commands) {
      const result = await sfpShell(home.dir, withLocalJira(command), { env: env() });
      expect({ command, code: result.code, stderr: result.stderr }).toEqual({ command, code: 0, stderr: "" });
      outputs.push(normalized(result.stdout));
    }

    expect(outputs).toEqual([
      [
        "identifier     acme-corp/salesforce-main",
        "remote url     https://github.com/acme-corp/salesforce-main",
        "platform       github",
        "version        1",
        "configuration  {}",
        "integrations   none",
        "created        <time>",
        "updated        <time>",
        "",
      ].join("\n"),
      [
        "id         <id>",
        "provider   jira",
        "auth type  basic_auth",
        "scope      global",
        "config     {}",
        "version    1",
        "created    <time>",
        "",
      ].join("\n"),
      [
        "id         <id>",
        "provider   github",
        "auth type  pat",
        "scope      acme-corp/salesforce-main",
        "config     {}",
        "version    1",
        "created    <time>",
        "",
      ].join("\n"),
      [
        "identifier     acme-corp/salesforce-main",
        "remote url     https://github.com/acme-corp/salesforce-main",
        "platform       github",
        "version        2",
        // As PostgreSQL's jsonb keeps an object's keys: shorter first.
        'configuration  {"workItems":{"baseUrl":"https://acme.atlassian.net/browse","provider":"jira","jiraProjects":["DP"]}}',
        "integrations   github/pat, jira/basic_auth (global)",
        "created        <time>",
        "updated        <time>",
        "",
      ].join("\n"),
      [
        "INTEGRATION                           PROVIDER  AUTH TYPE   CREDENTIALS",
        '<id>  jira      basic_auth  {"base_url":"(hidden)","username":"(hidden)","api_token":"(hidden)"}',
        "",
      ].join("\n"),
      [
        "KEY    TYPE   STATUS       ASSIGNEE      SUMMARY",
        "DP-12  Story  In Progress  Ada Lovelace  Deploy the pricing flow",
        "DP-7   Bug    To Do        unassigned    Fix the quote layout",
        "",
      ].join("\n"),
    ]);

    // Jira was asked once, as its API documents, with the stored credential.
    expect(jira.requests).toEqual([{
      method: "POST",
      path: "/rest/api/3/search/jql",
      authorization: `Basic ${Buffer.from(`${JIRA_USER}:${JIRA_TOKEN}`).toString("base64")}`,
      body: { jql: 'project in ("DP") ORDER BY updated DESC', maxResults: 50, fields: ["summary", "status", "issuetype", "assignee"] },
    }]);
    // The credential was read once, audited, by the owner, with the CLI's user agent.
    const reads = await stack.sql`
      select actor_email, outcome, provider, project, user_agent from sfp.audit_log where action = 'credentials.read' order by id`;
    expect(reads.map((row) => ({ ...row }))).toEqual([
      { actor_email: stack.owner.email, outcome: "granted", provider: "jira", project: "acme-corp/salesforce-main", user_agent: "sfp-cli" },
      { actor_email: stack.owner.email, outcome: "granted", provider: "jira", project: "acme-corp/salesforce-main", user_agent: "sfp-cli" },
    ]);
  });
});

describe("README's CLI block", () => {
  it("runs as written (npx sfp in the checkout): registers the project and lists it", async () => {
    const commands = documentedCommands("README.md", "cli");
    const outputs: string[] = [];
    for (const command of commands) {
      // npm's update check would ask the registry and print a notice on stderr.
      const result = await sfpShell(home.dir, command, {
        env: { SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: stack.owner.token, NPM_CONFIG_UPDATE_NOTIFIER: "false" },
      });
      expect({ command, code: result.code, stderr: result.stderr }).toEqual({ command, code: 0, stderr: "" });
      outputs.push(normalized(result.stdout));
    }
    expect(outputs.at(-1)).toBe([
      "IDENTIFIER                 PLATFORM  VERSION  INTEGRATIONS  REMOTE URL",
      "acme-corp/salesforce-main  github    1        none          https://github.com/acme-corp/salesforce-main",
      "",
    ].join("\n"));
  });
});
