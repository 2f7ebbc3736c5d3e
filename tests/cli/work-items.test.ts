/**
 * `sfp work-items list` against the real server and a local Jira that follows Jira Cloud's
 * search API (tests/support/jira-server.ts): pages followed with nextPageToken up to
 * --max-results, --status, --type, --assignee and --jql added to the search, --json with each
 * issue's link, the credential's site used (never
 * the configuration's baseUrl), an application token allowed and a member refused, and every
 * failure one line that never carries a credential: Jira's 401, 429, 500, plain http without
 * SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK, no work items configuration, another provider.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cliHome, type CliResult, sfp } from "../support/cli.ts";
import { createIntegration, createProject } from "../support/http.ts";
import { accountId, type FakeJira, type JiraIssueFixture, startFakeJira } from "../support/jira-server.ts";
import { OWNER_OR_APPLICATION } from "../support/messages.ts";
import { useTestStack } from "../support/test-stack.ts";

// The server checks a Jira credential's base_url with its outbound rules: the local Jira is plain http on 127.0.0.1.
const stack = useTestStack({ env: { SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK: "true" } });

const PROJECT = "acme-corp/salesforce-main";
const JIRA_USER = "sfp-service@acme.com";
const JIRA_TOKEN = "made-up-jira-api-token-7f3a";
const ISSUES: JiraIssueFixture[] = Array.from({ length: 7 }, (_, index) => ({
  key: `DP-${70 - index}`,
  summary: `Work item ${index + 1}`,
  status: index % 2 === 0 ? "To Do" : "Done",
  type: "Story",
  assignee: index === 0 ? "Ada Lovelace" : null,
}));
const FIELDS = ["summary", "status", "issuetype", "assignee"];

let jira: FakeJira;
beforeAll(async () => {
  // Pages of 3 at most, whatever maxResults asks: the CLI must follow nextPageToken.
  // Ada Lovelace is the credential's user: currentUser() is her.
  jira = await startFakeJira({ username: JIRA_USER, apiToken: JIRA_TOKEN, issues: ISSUES, pageSize: 3, currentUser: "Ada Lovelace" });
});
afterAll(() => jira?.stop());

let home: ReturnType<typeof cliHome>;
beforeEach(() => {
  home = cliHome();
  jira.requests.length = 0;
});
afterEach(() => home.remove());

/** The project, a global Jira basic_auth integration at the local Jira, and its work items configuration (none for null). */
async function arrange(
  workItems: unknown = { provider: "jira", jiraProjects: ["DP"], baseUrl: "https://acme.atlassian.net/browse" },
  credentials: Record<string, unknown> = { base_url: jira.url, username: JIRA_USER, api_token: JIRA_TOKEN },
) {
  await createProject(stack, PROJECT);
  await createIntegration(stack, { provider: "jira", authType: "basic_auth", credentials, isGlobal: true });
  if (workItems !== null) {
    const response = await stack.api("PATCH", `/projects/${encodeURIComponent(PROJECT)}`, {
      token: stack.owner.token,
      body: { property: "configuration.workItems", value: workItems },
    });
    expect(response.status, response.text).toBe(200);
  }
}

function list(args: string[] = [], { token = stack.owner.token, loopback = true } = {}): Promise<CliResult> {
  return sfp(home.dir, ["work-items", "list", "--project", PROJECT, ...args], {
    env: { SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: token, ...(loopback ? { SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK: "true" } : {}) },
  });
}

/** No credential value anywhere in what the CLI printed. */
function expectNoSecret(result: CliResult) {
  const printed = result.stdout + result.stderr;
  expect(printed).not.toContain(JIRA_TOKEN);
  expect(printed).not.toContain(Buffer.from(`${JIRA_USER}:${JIRA_TOKEN}`).toString("base64"));
}

describe("listing", () => {
  it("follows nextPageToken up to --max-results, asking each page for what is still missing", async () => {
    await arrange();
    const result = await list(["--max-results", "5"]);
    expect(result).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        "KEY    TYPE   STATUS  ASSIGNEE      SUMMARY",
        "DP-70  Story  To Do   Ada Lovelace  Work item 1",
        "DP-69  Story  Done    unassigned    Work item 2",
        "DP-68  Story  To Do   unassigned    Work item 3",
        "DP-67  Story  Done    unassigned    Work item 4",
        "DP-66  Story  To Do   unassigned    Work item 5",
        "",
      ].join("\n"),
    });
    const jql = 'project in ("DP") ORDER BY updated DESC';
    expect(jira.requests.map(({ body }) => body)).toEqual([
      { jql, maxResults: 5, fields: FIELDS },
      { jql, maxResults: 2, fields: FIELDS, nextPageToken: expect.any(String) },
    ]);
  });

  it("reads every page until isLast, up to 50 by default, and prints --json with each issue's link from baseUrl", async () => {
    await arrange();
    const result = await list(["--json"]);
    expect(result.code).toBe(0);
    const items = JSON.parse(result.stdout);
    expect(items).toHaveLength(7);
    expect(items[0]).toEqual({
      key: "DP-70", type: "Story", status: "To Do", assignee: "Ada Lovelace", summary: "Work item 1",
      url: "https://acme.atlassian.net/browse/DP-70",
    });
    // Pages of 3: asked for 50, then for what was still missing.
    expect(jira.requests.map(({ body }) => (body as { maxResults: number }).maxResults)).toEqual([50, 47, 44]);
  });

  it("--status, --type and --assignee become JQL conditions, quoted; repeated ones any of several", async () => {
    await arrange();
    const keys = async (args: string[]) => {
      const result = await list([...args, "--json"]);
      expect(result.stderr).toBe("");
      return JSON.parse(result.stdout).map((item: { key: string }) => item.key);
    };
    expect(await keys(["--status", "Done"])).toEqual(["DP-69", "DP-67", "DP-65"]);
    expect(await keys(["--status", "Done", "--status", "To Do", "--type", "Story", "--max-results", "2"])).toEqual(["DP-70", "DP-69"]);
    expect(await keys(["--assignee", "none", "--status", "To Do"])).toEqual(["DP-68", "DP-66", "DP-64"]);
    expect(await keys(["--assignee", accountId("Ada Lovelace")])).toEqual(["DP-70"]);
    expect(await keys(["--assignee", "me"])).toEqual(["DP-70"]);
    expect(jira.requests.map(({ body }) => (body as { jql: string }).jql)).toEqual([
      'project in ("DP") AND status in ("Done") ORDER BY updated DESC',
      'project in ("DP") AND status in ("Done", "To Do") AND issuetype in ("Story") ORDER BY updated DESC',
      'project in ("DP") AND status in ("To Do") AND assignee is EMPTY ORDER BY updated DESC',
      'project in ("DP") AND assignee = "acc-ada-lovelace" ORDER BY updated DESC',
      'project in ("DP") AND assignee = currentUser() ORDER BY updated DESC',
    ]);
  });

  it("prints No work items. when none match", async () => {
    await arrange();
    expect(await list(["--type", "Epic"])).toEqual({ code: 0, stdout: "No work items.\n", stderr: "" });
  });

  it("adds --jql to the search, and links to the credential's site without a baseUrl", async () => {
    await arrange({ provider: "jira", jiraProjects: ["DP", "OPS"] });
    const result = await list(["--jql", "status != Done", "--json"]);
    expect(JSON.parse(result.stdout).map(({ key, url }: { key: string; url: string }) => ({ key, url }))).toEqual(
      ["DP-70", "DP-68", "DP-66", "DP-64"].map((key) => ({ key, url: `${jira.url}/browse/${key}` })),
    );
    expect(jira.requests[0].body).toEqual({
      jql: 'project in ("DP", "OPS") AND (status != Done) ORDER BY updated DESC', maxResults: 50, fields: FIELDS,
    });
  });

  it("works with an application token, which may read credentials", async () => {
    await arrange();
    const created = await stack.api("POST", "/application-tokens", { token: stack.owner.token, body: { name: "ci", expiresIn: 1 } });
    const result = await list(["--max-results", "1"], { token: created.body.token });
    expect(result.stdout).toBe("KEY    TYPE   STATUS  ASSIGNEE      SUMMARY\nDP-70  Story  To Do   Ada Lovelace  Work item 1\n");
  });

  it("cleans control characters out of Jira's text", async () => {
    const evil = await startFakeJira({
      username: JIRA_USER, apiToken: JIRA_TOKEN,
      issues: [{ key: "DP-1", summary: "Title\u001b[2J\u0007 rewritten\r\nline", status: "To Do", type: "Bug", assignee: null }],
    });
    try {
      await arrange({ provider: "jira", jiraProjects: ["DP"] }, { base_url: evil.url, username: JIRA_USER, api_token: JIRA_TOKEN });
      expect((await list()).stdout).toBe("KEY   TYPE  STATUS  ASSIGNEE    SUMMARY\nDP-1  Bug   To Do   unassigned  Title [2J  rewritten line\n");
    } finally {
      await evil.stop();
    }
  });
});

describe("one line, no credential, exit 1", () => {
  it("Jira refuses the stored credential (401)", async () => {
    const wrong = { base_url: jira.url, username: JIRA_USER, api_token: "made-up-but-wrong-token" };
    await arrange({ provider: "jira", jiraProjects: ["DP"] }, wrong);
    const result = await list();
    expect(result).toEqual({
      code: 1, stdout: "", stderr: "error: Jira refused the stored credential (401): store a valid one in the Jira integration\n",
    });
    expect(result.stderr).not.toContain("made-up-but-wrong-token");
  });

  it.each([
    [429, { errorMessages: ["Rate limit exceeded"] }, { "retry-after": "30" }, "error: Jira is limiting requests (429): retry in 30 s\n"],
    [500, { errorMessages: [`Internal error for ${JIRA_TOKEN}`] }, {}, "error: Jira failed (500): Internal error for ***\n"],
    [400, { errorMessages: ["Field 'sprint' does not exist"], errors: {} }, {}, "error: Jira refused the search (400): Field 'sprint' does not exist\n"],
  ])("Jira answers %i", async (status, body, headers, stderr) => {
    await arrange();
    jira.failWith(status, body, headers);
    try {
      const result = await list();
      expect(result).toEqual({ code: 1, stdout: "", stderr });
      expectNoSecret(result);
    } finally {
      jira.heal();
    }
  });

  it("refuses plain http to Jira without SFP_OUTBOUND_ALLOW_HTTP_LOOPBACK, before any request", async () => {
    await arrange();
    const result = await list([], { loopback: false });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: the Jira base_url of integration [0-9a-f-]{36} must be an https:\/\/ URL: credentials are never sent over plain http\n$/,
    );
    expect(jira.requests).toEqual([]);
  });

  it("a project without a work items configuration", async () => {
    await arrange(null);
    expect(await list()).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: Project '${PROJECT}' has no work items configuration: set one with sfp server project update -r ${PROJECT} -p configuration.workItems -v '{"provider":"jira","jiraProjects":["KEY"]}'\n`,
    });
  });

  it("a project whose work items are elsewhere", async () => {
    await arrange({ provider: "azure-devops", organization: "acme" });
    expect(await list()).toEqual({
      code: 1, stdout: "", stderr: `error: Project '${PROJECT}' takes its work items from 'azure-devops': this CLI reads Jira work items only\n`,
    });
  });

  it("a member, who may not read credentials", async () => {
    await arrange();
    expect(await list([], { token: stack.member.token })).toEqual({ code: 1, stdout: "", stderr: `error: ${OWNER_OR_APPLICATION} (403 Forbidden)\n` });
    expect(jira.requests).toEqual([]);
  });

  it("a project without a Jira integration", async () => {
    await createProject(stack, PROJECT);
    await stack.api("PATCH", `/projects/${encodeURIComponent(PROJECT)}`, {
      token: stack.owner.token, body: { property: "configuration.workItems", value: { provider: "jira", jiraProjects: ["DP"] } },
    });
    expect(await list()).toEqual({
      code: 1, stdout: "", stderr: `error: No integration found for provider=jira, project=${PROJECT} (404 Not Found)\n`,
    });
  });
});
