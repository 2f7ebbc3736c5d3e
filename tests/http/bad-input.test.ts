/**
 * Bad input never gets past the door and never becomes a 500: malformed JSON, a non-JSON
 * content type, wrong types, unknown fields, oversized bodies, repeated or unknown query
 * parameters, and SQL metacharacters or non-ASCII text in project identifiers (in every
 * place an identifier is taken) are each answered with a 4xx and a clear message, and
 * nothing is stored.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { countStored, createProject, expectError } from "../support/http.ts";
import { INVALID_IDENTIFIER, UNKNOWN_PROVIDER } from "../support/messages.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const LIMIT = 65536; // SFP_MAX_BODY_BYTES default (functions/_shared/config.ts)
const TOO_LARGE = `Request body too large: the limit is ${LIMIT} bytes`;

const githubPat = { token: "ghp_madeUpBadInput0000000000000000000000" };

const empty = { projects: 0, integrations: 0, credential_versions: 0, integration_projects: 0 };

function post(path: string, rawBody: string, contentType = "application/json") {
  return stack.api("POST", path, { token: stack.owner.token, rawBody, headers: { "content-type": contentType } });
}

const postRoutes = ["/projects", "/integrations", "/integrations/credentials"];

describe("malformed JSON", () => {
  it.each(postRoutes)("POST %s with a truncated JSON body answers 400 'Malformed JSON body'", async (path) => {
    expectError(await post(path, '{"provider": "github", '), 400, "Malformed JSON body");
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /projects with an empty body and a JSON content type answers 400 'Malformed JSON body'", async () => {
    expectError(await post("/projects", ""), 400, "Malformed JSON body");
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /integrations with single-quoted JSON answers 400 'Malformed JSON body'", async () => {
    expectError(await post("/integrations", "{'provider': 'github'}"), 400, "Malformed JSON body");
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /projects with a JSON array instead of an object answers 400", async () => {
    expectError(await post("/projects", "[]"), 400, "Invalid input: expected object, received array");
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /integrations with JSON null answers 400", async () => {
    expectError(await post("/integrations", "null"), 400, "Invalid input: expected object, received null");
    expect(await countStored(stack)).toEqual(empty);
  });
});

describe("content type", () => {
  it.each(postRoutes)("POST %s with text/plain answers 415", async (path) => {
    expectError(await post(path, "{}", "text/plain"), 415, "Content-Type must be application/json");
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /projects without a content type answers 415", async () => {
    // Bytes, not a string: fetch would add "text/plain;charset=UTF-8" to a string body.
    const body = new TextEncoder().encode(JSON.stringify({ identifier: "acme/core", remoteUrl: "https://github.com/acme/core" }));
    const response = await fetch(`${stack.url}/sfp/api/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.owner.token}` },
      body,
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      statusCode: 415,
      message: "Content-Type must be application/json",
      error: "Unsupported Media Type",
    });
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /projects with application/x-www-form-urlencoded answers 415", async () => {
    const response = await post("/projects", "identifier=acme%2Fcore&remoteUrl=https%3A%2F%2Fgithub.com%2Facme%2Fcore",
      "application/x-www-form-urlencoded");
    expectError(response, 415, "Content-Type must be application/json");
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /projects with application/json; charset=utf-8 is accepted", async () => {
    const body = JSON.stringify({ identifier: "acme/core", remoteUrl: "https://github.com/acme/core" });
    const response = await post("/projects", body, "application/json; charset=utf-8");
    expect(response.status).toBe(201);
    expect(response.body.identifier).toBe("acme/core");
  });
});

describe("wrong types and missing fields", () => {
  it("POST /projects with a numeric identifier answers 400 naming the field", async () => {
    const response = await stack.api("POST", "/projects", {
      token: stack.owner.token,
      body: { identifier: 12345, remoteUrl: "https://gitlab.com/acme/core" },
    });
    expectError(response, 400, "identifier: Invalid input: expected string, received number");
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /projects with no fields answers 400 naming both", async () => {
    const response = await stack.api("POST", "/projects", { token: stack.owner.token, body: {} });
    expectError(response, 400, "identifier: Invalid input: expected string, received undefined; remoteUrl: remoteUrl is required");
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /projects with a remote URL that is not a repository URL answers 400", async () => {
    const response = await stack.api("POST", "/projects", {
      token: stack.owner.token,
      body: { identifier: "acme/core", remoteUrl: "javascript:alert(1)" },
    });
    expectError(response, 400, "Invalid remoteUrl: expected an https://, ssh://, git:// or user@host:path repository URL");
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /integrations with isGlobal as a string answers 400 naming the field", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: "true" },
    });
    expectError(response, 400, "isGlobal: Invalid input: expected boolean, received string");
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /integrations with projects as a string answers 400 naming the field", async () => {
    await createProject(stack, "acme/core");
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, projects: "acme/core" },
    });
    expectError(response, 400, "projects: Invalid input: expected array, received string");
    expect(await countStored(stack)).toEqual({ ...empty, projects: 1 });
  });

  it("POST /integrations with credentials as a string answers 400 naming the field", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: "ghp_madeUp", isGlobal: true },
    });
    expectError(response, 400, "credentials: must be a JSON object");
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /integrations with config as an array answers 400 naming the field", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: true, config: ["x"] },
    });
    expectError(response, 400, "config: must be a JSON object");
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /integrations with more than 100 projects answers 400", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: {
        provider: "github",
        authType: "pat",
        credentials: githubPat,
        projects: Array.from({ length: 101 }, (_, i) => `acme/repo-${i}`),
      },
    });
    expectError(response, 400, "projects: at most 100 projects");
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /integrations/credentials with a numeric provider answers 400 naming the allowed providers", async () => {
    const response = await stack.api("POST", "/integrations/credentials", { token: stack.owner.token, body: { provider: 1 } });
    expectError(response, 400, `provider: ${UNKNOWN_PROVIDER}`);
  });

  it("POST /integrations/credentials with a numeric project answers 400 naming the field", async () => {
    const response = await stack.api("POST", "/integrations/credentials", { token: stack.owner.token, body: { project: 42 } });
    expectError(response, 400, "project: Invalid input: expected string, received number");
  });
});

describe("unknown top-level fields", () => {
  it("POST /projects with an unknown field answers 400 naming it", async () => {
    const response = await stack.api("POST", "/projects", {
      token: stack.owner.token,
      body: { identifier: "acme/core", remoteUrl: "https://github.com/acme/core", owner: "someone" },
    });
    expectError(response, 400, 'Unrecognized key: "owner"');
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /integrations with two unknown fields answers 400 naming both", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: true, scope: "all", global: true },
    });
    expectError(response, 400, 'Unrecognized keys: "scope", "global"');
    expect(await countStored(stack)).toEqual(empty);
  });

  it('POST /integrations with a "__proto__" field answers 400 naming it', async () => {
    const response = await post(
      "/integrations",
      '{"provider":"github","authType":"pat","credentials":{"token":"ghp_madeUp"},"isGlobal":true,"__proto__":{"x":1}}',
    );
    expectError(response, 400, 'the field name "__proto__" is not allowed');
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /integrations/credentials with an unknown field answers 400 naming it", async () => {
    const response = await stack.api("POST", "/integrations/credentials", {
      token: stack.owner.token,
      body: { provider: "github", repository: "acme/core" },
    });
    expectError(response, 400, 'Unrecognized key: "repository"');
  });
});

describe("oversized bodies", () => {
  const oversized = "x".repeat(LIMIT + 1);

  it.each(postRoutes)(`POST %s with a body of ${LIMIT + 1} bytes answers 413`, async (path) => {
    expectError(await post(path, oversized), 413, TOO_LARGE);
    expect(await countStored(stack)).toEqual(empty);
  });

  it(`POST /integrations with valid JSON of ${LIMIT + 1} bytes answers 413 and stores nothing`, async () => {
    const body = exactSizeIntegration(LIMIT + 1);
    expect(Buffer.byteLength(body)).toBe(LIMIT + 1);
    expectError(await post("/integrations", body), 413, TOO_LARGE);
    expect(await countStored(stack)).toEqual(empty);
  });

  it(`POST /integrations with valid JSON of exactly ${LIMIT} bytes is accepted`, async () => {
    const body = exactSizeIntegration(LIMIT);
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    const response = await post("/integrations", body);
    expect(response.status).toBe(201);
    expect(await countStored(stack)).toEqual({ ...empty, integrations: 1, credential_versions: 1 });
  });

  it("POST /projects with an oversized body sent chunked (no Content-Length) answers 413", async () => {
    const chunk = new TextEncoder().encode("x".repeat(16384));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 5) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(`${stack.url}/sfp/api/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.owner.token}`, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ statusCode: 413, message: TOO_LARGE, error: "Payload Too Large" });
    expect(await countStored(stack)).toEqual(empty);
  });
});

/** A valid global GitHub integration whose JSON is exactly `bytes` long (ASCII), padded in config. */
function exactSizeIntegration(bytes: number): string {
  const make = (padding: string) =>
    JSON.stringify({ provider: "github", authType: "pat", credentials: githubPat, isGlobal: true, config: { padding } });
  return make("p".repeat(bytes - make("").length));
}

// SQL metacharacters, non-ASCII letters, an emoji, right-to-left text and marks, a
// zero-width space, a NUL, and path tricks: none is a valid identifier.
const badIdentifiers: Array<[string, string]> = [
  ["a statement terminator and comment", "acme'; drop table sfp.projects; --"],
  ["a quote and a tautology", "a/b' or '1'='1"],
  ["a LIKE wildcard", "acme/%"],
  ["an accented letter in the org", "acmé/core"],
  ["an umlaut in the repo", "acme/cöre"],
  ["an emoji", "acme/🚀core"],
  ["Hebrew (right-to-left) text", "acme/שלום"],
  ["a right-to-left override mark", "acme/\u202Eeroc"],
  ["a zero-width space", "acme/\u200Bcore"],
  ["a NUL character", "acme/core\u0000"],
  ["a parent-directory segment", "acme/../core"],
  ["an empty segment", "acme//core"],
  ["a leading space", " acme/core"],
];

describe("project identifiers with SQL metacharacters or non-ASCII text", () => {
  beforeEach(async () => {
    // A registered project whose look-alikes must not match it.
    await createProject(stack, "acme/core");
  });

  const onlyAcmeCore = { ...empty, projects: 1 };

  // In a JSON body a NUL is refused before any schema runs (PostgreSQL cannot store it);
  // in a path or a query it is just another character the identifier rule refuses.
  const bodyMessage = (field: string, identifier: string) =>
    identifier.includes("\u0000") ? `${field}: must not contain NUL characters` : `${field}: ${INVALID_IDENTIFIER}`;

  it.each(badIdentifiers)("POST /projects refuses an identifier with %s (400), storing nothing", async (_, identifier) => {
    const response = await stack.api("POST", "/projects", {
      token: stack.owner.token,
      body: { identifier, remoteUrl: "https://github.com/acme/core" },
    });
    expectError(response, 400, bodyMessage("identifier", identifier));
    expect(await countStored(stack)).toEqual(onlyAcmeCore);
    const [{ table }] = await stack.sql<{ table: string | null }[]>`select to_regclass('sfp.projects')::text as table`;
    expect(table).toBe("sfp.projects");
  });

  it.each(badIdentifiers)("POST /integrations refuses a project with %s (400), storing nothing", async (_, identifier) => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, projects: ["acme/core", identifier] },
    });
    expectError(response, 400, bodyMessage("projects.1", identifier));
    expect(await countStored(stack)).toEqual(onlyAcmeCore);
  });

  it.each(badIdentifiers)("GET /projects/{id} refuses an identifier with %s (400)", async (_, identifier) => {
    const response = await stack.api("GET", `/projects/${encodeURIComponent(identifier)}`, { token: stack.owner.token });
    expectError(response, 400, INVALID_IDENTIFIER);
    expect(await countStored(stack)).toEqual(onlyAcmeCore);
  });

  it.each(badIdentifiers)("GET /integrations/credentials refuses a project with %s (400)", async (_, identifier) => {
    const response = await stack.api("GET", `/integrations/credentials?project=${encodeURIComponent(identifier)}`, {
      token: stack.owner.token,
    });
    expectError(response, 400, `project: ${INVALID_IDENTIFIER}`);
  });

  it.each(badIdentifiers)("POST /integrations/credentials refuses a project with %s (400)", async (_, identifier) => {
    const response = await stack.api("POST", "/integrations/credentials", {
      token: stack.owner.token,
      body: { project: identifier },
    });
    expectError(response, 400, bodyMessage("project", identifier));
  });

  it("POST /projects refuses an identifier of 256 characters (400), storing nothing", async () => {
    const response = await stack.api("POST", "/projects", {
      token: stack.owner.token,
      body: { identifier: `acme/${"r".repeat(251)}`, remoteUrl: "https://github.com/acme/core" },
    });
    expectError(response, 400, "identifier: must be at most 255 characters");
    expect(await countStored(stack)).toEqual(onlyAcmeCore);
  });

  it("GET /projects/{id} does not match a case variant of a registered identifier (404)", async () => {
    const response = await stack.api("GET", `/projects/${encodeURIComponent("ACME/core")}`, { token: stack.owner.token });
    expectError(response, 404, "Project 'ACME/core' not found");
  });

  it("accepts the unusual but valid identifiers GitLab uses (numeric id, nested group path)", async () => {
    for (const identifier of ["12345678", "group/sub.group/pro_ject-1"]) {
      const response = await stack.api("POST", "/projects", {
        token: stack.owner.token,
        body: { identifier, remoteUrl: "https://gitlab.com/group/project" },
      });
      expect(response.status).toBe(201);
      const read = await stack.api("GET", `/projects/${encodeURIComponent(identifier)}`, { token: stack.owner.token });
      expect(read.status).toBe(200);
      expect(read.body.identifier).toBe(identifier);
    }
  });
});

describe("query parameters", () => {
  it("GET /integrations/credentials with a repeated provider answers 400 naming it", async () => {
    const response = await stack.api("GET", "/integrations/credentials?provider=jira&provider=github", {
      token: stack.owner.token,
    });
    expectError(response, 400, "Query parameter 'provider' is given more than once");
  });

  it("GET /integrations/credentials with a repeated project answers 400 naming it", async () => {
    await createProject(stack, "acme/core");
    const response = await stack.api("GET", "/integrations/credentials?project=acme/core&project=acme/core", {
      token: stack.owner.token,
    });
    expectError(response, 400, "Query parameter 'project' is given more than once");
  });

  it("GET /integrations with a repeated provider answers 400 naming it", async () => {
    const response = await stack.api("GET", "/integrations?provider=github&provider=github", { token: stack.owner.token });
    expectError(response, 400, "Query parameter 'provider' is given more than once");
  });

  it("GET /integrations/credentials with an unknown parameter answers 400 naming it", async () => {
    const response = await stack.api("GET", "/integrations/credentials?provider=github&repo=acme/core", {
      token: stack.owner.token,
    });
    expectError(response, 400, 'Unrecognized key: "repo"');
  });

  it("GET /integrations with an unknown parameter answers 400 naming it", async () => {
    const response = await stack.api("GET", "/integrations?project=acme/core", { token: stack.owner.token });
    expectError(response, 400, 'Unrecognized key: "project"');
  });

  it("GET /integrations/credentials with an unknown provider answers 400 naming the allowed providers", async () => {
    const response = await stack.api("GET", "/integrations/credentials?provider=bitbucket", { token: stack.owner.token });
    expectError(response, 400, `provider: ${UNKNOWN_PROVIDER}`);
  });

  it("GET /integrations with an unknown provider answers 400 naming the allowed providers", async () => {
    const response = await stack.api("GET", "/integrations?provider=azure_devops", { token: stack.owner.token });
    expectError(response, 400, `provider: ${UNKNOWN_PROVIDER}`);
  });
});

// Text that JSON and zod accept but PostgreSQL cannot hold must be refused at the door,
// not fail in the database as a 500 (these were 500s until the edge checked every body):
//   - NUL (\u0000) in a text parameter: PostgreSQL 22021 (invalid byte sequence)
//   - NUL in a jsonb value: 22P05 (unsupported Unicode escape sequence)
//   - a lone UTF-16 surrogate in a jsonb value: 22P02 (invalid input syntax for type json)
//   - JSON nested thousands deep in `config`: 54001 (stack depth limit exceeded)
describe("text PostgreSQL cannot store is refused with 400, never 500", () => {
  function expectClientError(response: { status: number; body: any }, field: RegExp) {
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: "Bad Request" });
    expect(response.body.message).toMatch(field);
  }

  it("POST /projects with a NUL in remoteUrl answers 400", async () => {
    const response = await stack.api("POST", "/projects", {
      token: stack.owner.token,
      body: { identifier: "acme/core", remoteUrl: "https://github.com/acme/core\u0000" },
    });
    expectClientError(response, /remoteUrl/);
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /integrations with a NUL in a credential value answers 400", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: { token: "ghp_made\u0000Up" }, isGlobal: true },
    });
    expectClientError(response, /token/);
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /integrations with a lone surrogate in a credential value answers 400", async () => {
    const response = await post(
      "/integrations",
      '{"provider":"github","authType":"pat","credentials":{"token":"ghp_made\\ud800Up"},"isGlobal":true}',
    );
    expectClientError(response, /token/);
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /integrations with a NUL in config answers 400", async () => {
    const response = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: githubPat, isGlobal: true, config: { note: "a\u0000b" } },
    });
    expectClientError(response, /config/);
    expect(await countStored(stack)).toEqual(empty);
  });

  it("POST /integrations with config nested 20000 deep answers 400", async () => {
    const nested = "[".repeat(20000) + "]".repeat(20000);
    const response = await post(
      "/integrations",
      `{"provider":"github","authType":"pat","credentials":{"token":"ghp_madeUp"},"isGlobal":true,"config":{"deep":${nested}}}`,
    );
    expectClientError(response, /config/);
    expect(await countStored(stack)).toEqual(empty);
  });
});
