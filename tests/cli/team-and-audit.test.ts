/**
 * `sfp server user list | add | role | remove` and `sfp server audit list | export | verify`
 * against the real server, as child processes: tables and `--json`, the server's refusals in one
 * line (exit 1), a wrong role refused by the CLI (exit 2); the audit log's filters, paging by
 * cursor and with --all, the export as NDJSON, and the verification's report, exit 1 when a row
 * was changed behind the server's back.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cliHome, normalized, sfp, tableCells } from "../support/cli.ts";
import { createProject } from "../support/http.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

let home: ReturnType<typeof cliHome>;
beforeEach(() => {
  home = cliHome();
});
afterEach(() => home.remove());

const asOwner = (args: string[]) => sfp(home.dir, args, { env: { SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: stack.owner.token } });

describe("sfp server user", () => {
  it("list, add, role, remove: tables, and --json the API's answer", async () => {
    expect(tableCells((await asOwner(["server", "user", "list"])).stdout)).toEqual([
      ["EMAIL", "ROLE", "USER ID", "ADDED"],
      ["member@example.test", "member", "<id>", "<time>"],
      ["owner@example.test", "owner", "<id>", "<time>"],
    ]);
    expect(JSON.parse((await asOwner(["server", "user", "list", "--json"])).stdout))
      .toEqual((await stack.api("GET", "/users", { token: stack.owner.token })).body);

    const added = await asOwner(["server", "user", "add", "-e", stack.outsider.email, "--role", "member"]);
    expect({ ...added, stdout: normalized(added.stdout) }).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        "email    outsider@example.test",
        "role     member",
        "user id  <id>",
        "added    <time>",
        "updated  <time>",
        "",
      ].join("\n"),
    });
    const promoted = await asOwner(["server", "user", "role", "--email", "OUTSIDER@example.test", "--role", "owner", "--json"]);
    expect(JSON.parse(promoted.stdout)).toMatchObject({ user_id: stack.outsider.id, email: stack.outsider.email, role: "owner" });
    expect(await asOwner(["server", "user", "remove", "-e", stack.outsider.email])).toEqual({
      code: 0, stdout: "Removed outsider@example.test (owner) from the team\n", stderr: "",
    });
    expect((await stack.api("GET", "/users", { token: stack.owner.token })).body.map((m: { email: string }) => m.email))
      .toEqual(["member@example.test", "owner@example.test"]);
  });

  it("the server's refusals in one line, exit 1; a role that does not exist, exit 2", async () => {
    expect(await asOwner(["server", "user", "add", "-e", "nobody@example.test", "--role", "member"])).toEqual({
      code: 1, stdout: "", stderr: "error: User 'nobody@example.test' not found: they must sign up before they can be added (404 Not Found)\n",
    });
    expect(await asOwner(["server", "user", "role", "-e", stack.owner.email, "--role", "member"])).toEqual({
      code: 1, stdout: "", stderr: "error: The team must keep at least one owner (409 Conflict)\n",
    });
    expect(await asOwner(["server", "user", "add", "-e", stack.outsider.email, "--role", "admin"])).toEqual({
      code: 2, stdout: "", stderr: "error: option '--role <role>' argument 'admin' is invalid. Allowed choices are owner, member.\n",
    });
    expect(await sfp(home.dir, ["server", "user", "list"], { env: { SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: stack.member.token } })).toEqual({
      code: 1, stdout: "", stderr: "error: Forbidden - Requires role: owner (403 Forbidden)\n",
    });
  });
});

describe("sfp server audit", () => {
  /** Three projects created (three project.create rows, newest last); their audit ids, newest first. */
  async function activity(): Promise<number[]> {
    for (const name of ["one", "two", "three"]) await createProject(stack, `acme-corp/${name}`);
    const rows = await stack.sql<{ id: string }[]>`select id from sfp.audit_log where action = 'project.create' order by id desc`;
    return rows.map((row) => Number(row.id));
  }

  it("list filters as the API does, newest first; --json is the API's page", async () => {
    const ids = await activity();
    const listed = await asOwner(["server", "audit", "list", "--action", "project.create", "--outcome", "succeeded"]);
    expect(tableCells(listed.stdout)).toEqual([
      ["ID", "TIME", "ACTOR", "ACTION", "OUTCOME", "PROVIDER", "PROJECT", "MESSAGE"],
      ...["three", "two", "one"].map((name, index) => [String(ids[index]), "<time>", "owner@example.test", "project.create", "succeeded", "", `acme-corp/${name}`, ""]),
    ]);
    const json = await asOwner(["server", "audit", "list", "--action", "project.create", "--project", "acme-corp/two", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual(
      (await stack.api("GET", "/audit-logs?action=project.create&project=acme-corp/two", { token: stack.owner.token })).body,
    );
    expect(await asOwner(["server", "audit", "list", "--action", "member.add"])).toEqual({ code: 0, stdout: "No audit rows.\n", stderr: "" });
  });

  it("pages with --limit and --cursor, or follows every page with --all", async () => {
    const ids = await activity();
    const first = await asOwner(["server", "audit", "list", "--action", "project.create", "--limit", "2", "--json"]);
    const page = JSON.parse(first.stdout);
    expect(page.items.map((row: { id: number }) => row.id)).toEqual(ids.slice(0, 2));
    expect(page.next_cursor).not.toBeNull();
    const text = await asOwner(["server", "audit", "list", "--action", "project.create", "--limit", "2"]);
    expect(text.stdout.endsWith(`More rows: add --cursor ${page.next_cursor} (or --all)\n`)).toBe(true);

    const second = await asOwner(["server", "audit", "list", "--action", "project.create", "--limit", "2", "--cursor", String(page.next_cursor), "--json"]);
    expect(JSON.parse(second.stdout)).toMatchObject({ items: [{ id: ids[2] }], next_cursor: null });

    const all = await asOwner(["server", "audit", "list", "--action", "project.create", "--limit", "1", "--all", "--json"]);
    expect(all.stderr).toBe("");
    expect(JSON.parse(all.stdout)).toMatchObject({ next_cursor: null });
    expect(JSON.parse(all.stdout).items.map((row: { id: number }) => row.id)).toEqual(ids);
  });

  it("a filter the server refuses: its message, exit 1; an outcome that does not exist, exit 2", async () => {
    expect(await asOwner(["server", "audit", "list", "--from", "yesterday"])).toEqual({
      code: 1, stdout: "", stderr: "error: from: must be an ISO 8601 date-time (400 Bad Request)\n",
    });
    expect(await asOwner(["server", "audit", "list", "--outcome", "ok"])).toEqual({
      code: 2, stdout: "", stderr: "error: option '--outcome <outcome>' argument 'ok' is invalid. Allowed choices are granted, denied, not_found, invalid, error, succeeded.\n",
    });
  });

  it("export prints every matching row as NDJSON, the API's export; --json as one array", async () => {
    const ids = await activity();
    const exported = await asOwner(["server", "audit", "export", "--action", "project.create"]);
    expect(exported.stderr).toBe("");
    const lines = exported.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(lines.map((row) => row.id)).toEqual(ids);
    const api = await stack.api("GET", "/audit-logs/export?action=project.create", { token: stack.owner.token });
    expect(lines).toEqual(api.text.trimEnd().split("\n").map((line) => JSON.parse(line)));
    expect(JSON.parse((await asOwner(["server", "audit", "export", "--action", "project.create", "--json"])).stdout)).toEqual(lines);
  });

  it("verify reports an intact log (exit 0), and a changed row with its position (exit 1, the report still printed)", async () => {
    await activity();
    const intact = await asOwner(["server", "audit", "verify"]);
    const report = JSON.parse((await asOwner(["server", "audit", "verify", "--json"])).stdout);
    expect(report).toMatchObject({ ok: true, unsealed: 0, first_broken: null });
    expect(intact.code).toBe(0);
    expect(intact.stderr).toBe("");
    expect(intact.stdout).toMatch(/^intact         yes\nlinks checked  \d+\nunsealed rows  0\nhead           seq \d+ [0-9a-f]{64}\ncheckpoints    .+\nfirst broken   none\n$/);

    const [link] = await stack.sql<{ seq: string; audit_id: string }[]>`select seq, audit_id from sfp.audit_chain order by seq offset 1 limit 1`;
    await stack.sql.begin(async (tx) => {
      // The log refuses changes through its triggers; replica mode skips them, as an attacker with the database could.
      await tx`set local session_replication_role = replica`;
      await tx`update sfp.audit_log set message = 'nothing to see' where id = ${link.audit_id}`;
    });
    const broken = await asOwner(["server", "audit", "verify"]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^intact         no\n/);
    expect(broken.stdout).toContain(`first broken   row changed at seq ${link.seq}, audit id ${link.audit_id}\n`);
    expect(broken.stderr).toBe(`error: the audit log is broken: row changed at seq ${link.seq}, audit id ${link.audit_id}\n`);
  });
});
