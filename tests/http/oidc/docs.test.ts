/**
 * docs/oidc.md's pipeline examples are valid YAML that says what the page says: the GitHub
 * Actions workflow (id-token: write, the token exchanged and the credential read) and the
 * GitLab CI job (id_tokens for the audience, each script command a string). A plain scalar
 * spread over lines with ': ' in it, or a mis-indented line, fails here. No stack needed.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const page = readFileSync(new URL("../../../docs/oidc.md", import.meta.url), "utf8");

/** The ```yaml blocks of the section under `heading`. */
function yamlBlocks(heading: string): string[] {
  const start = page.indexOf(`\n## ${heading}\n`);
  expect(start, heading).toBeGreaterThan(0);
  const end = page.indexOf("\n## ", start + 1);
  const section = page.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]);
}

describe("docs/oidc.md's YAML examples", () => {
  it("the GitHub Actions workflow parses, with id-token: write and the exchange in a step", () => {
    const [block] = yamlBlocks("GitHub Actions");
    const workflow = parse(block, { strict: true, uniqueKeys: true });
    expect(workflow.permissions).toEqual({ "id-token": "write", contents: "read" });
    const run: string = workflow.jobs.build.steps[0].run;
    expect(run).toContain("$ACTIONS_ID_TOKEN_REQUEST_URL&audience=https://sfp.acme-corp.example");
    expect(run).toContain("/sfp/api/oidc/token");
    expect(run).toContain('-H "Authorization: Bearer $access"');
  });

  it("the GitLab CI job parses, each script command a string", () => {
    const [block] = yamlBlocks("GitLab CI");
    const pipeline = parse(block, { strict: true, uniqueKeys: true });
    const job = pipeline["read-jira"];
    expect(job.id_tokens).toEqual({ SFP_ID_TOKEN: { aud: "https://sfp.acme-corp.example" } });
    expect(job.script.every((line: unknown) => typeof line === "string")).toBe(true);
    const script = job.script.join("\n");
    expect(script).toContain(`-d "{\\"token\\": \\"$SFP_ID_TOKEN\\"}"`);
    expect(script).toContain('-H "Authorization: Bearer $access" > jira.json');
    expect(job.rules).toEqual([{ if: '$CI_COMMIT_BRANCH == "main"' }]);
  });
});
