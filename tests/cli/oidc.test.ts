/**
 * `sfp server oidc-policy create | list | delete` and `sfp server oidc explain --token-file`
 * against the real server, as child processes: the record and table, `--json` the API's
 * answer, the server's refusal in one line (exit 1), a malformed --claim refused by the CLI
 * (exit 2); explain's verdict for a made-up token that is not a JWT.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cliHome, normalized, sfp } from "../support/cli.ts";
import { createProject } from "../support/http.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

let home: ReturnType<typeof cliHome>;
beforeEach(async () => {
  home = cliHome();
  await stack.sql`truncate sfp.oidc_policies cascade`;
  await createProject(stack, "acme-corp/salesforce-main");
});
afterEach(() => home.remove());

const asOwner = (args: string[]) => sfp(home.dir, args, { env: { SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: stack.owner.token } });

const CREATE = [
  "server", "oidc-policy", "create", "-n", "salesforce-main-ci", "--audience", "https://sfp.acme-corp.example",
  "--claim", "repository=acme-corp/salesforce-main", "--claim", "repository_id=684201337", "--claim", "ref=refs/heads/main",
  "--project", "acme-corp/salesforce-main",
];

describe("sfp server oidc-policy", () => {
  it("create, list, delete", async () => {
    const created = await asOwner(CREATE);
    expect({ ...created, stdout: normalized(created.stdout) }).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        "id            <id>",
        "name          salesforce-main-ci",
        "issuer        https://token.actions.githubusercontent.com",
        "audience      https://sfp.acme-corp.example",
        "claims        ref=refs/heads/main, repository=acme-corp/salesforce-main, repository_id=684201337",
        "subject       any",
        "allow events  none",
        "projects      acme-corp/salesforce-main",
        "providers     all",
        "created       <time>",
        "",
      ].join("\n"),
    });
    const listed = JSON.parse((await asOwner(["server", "oidc-policy", "list", "--json"])).stdout);
    expect(listed).toEqual((await stack.api("GET", "/oidc-policies", { token: stack.owner.token })).body);
    expect((await asOwner(["server", "oidc-policy", "list"])).stdout).toContain("salesforce-main-ci");

    expect(await asOwner(CREATE)).toEqual({
      code: 1, stdout: "", stderr: "error: OIDC policy 'salesforce-main-ci' already exists (409 Conflict)\n",
    });
    expect(await asOwner(["server", "oidc-policy", "delete", "-i", listed[0].id])).toEqual({
      code: 0, stdout: `Deleted OIDC policy 'salesforce-main-ci' (${listed[0].id})\n`, stderr: "",
    });
    expect(await asOwner(["server", "oidc-policy", "list"])).toEqual({ code: 0, stdout: "No OIDC policies.\n", stderr: "" });
  });

  it("a malformed --claim is refused by the CLI, exit 2", async () => {
    const result = await asOwner([...CREATE.slice(0, -4), "--claim", "repository", "--project", "acme-corp/salesforce-main"]);
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: "error: --claim must be name=value, e.g. repository=acme-corp/salesforce-main (got 'repository')\n",
    });
  });
});

describe("sfp server oidc explain", () => {
  it("reads the token from a file and shows every policy's verdict", async () => {
    expect((await asOwner(CREATE)).code).toBe(0);
    const file = join(home.dir, "job-token.txt");
    writeFileSync(file, "not-a-jwt\n");
    expect(await asOwner(["server", "oidc", "explain", "--token-file", file])).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        "Token: refused: Invalid OIDC token: not a JWT",
        "POLICY              VERDICT",
        "salesforce-main-ci  issuer: the token names no issuer, the policy trusts 'https://token.actions.githubusercontent.com'",
        "",
      ].join("\n"),
    });
  });
});
