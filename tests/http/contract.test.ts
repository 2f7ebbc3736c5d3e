/**
 * The contract check itself (tests/support/contract.ts), which TestStack.api() runs on every
 * answer: it passes what docs/openapi.json describes and refuses what it does not (a missing
 * required field, a wrong type, an undocumented status or content type, a non-error answer
 * to an unknown route), so the check over the suite cannot be vacuous. Then, on real answers
 * of the server: the check passes them, and refuses them once a required field is taken out.
 */
import { describe, expect, it } from "vitest";
import { checkResponse } from "../support/contract.ts";
import { createProject } from "../support/http.ts";
import { useTestStack } from "../support/test-stack.ts";

const JSON_TYPE = "application/json; charset=utf-8";
const PROJECT = {
  id: "6f1c1e8e-2f44-4b8a-9d61-0e6c2b1f7a10",
  identifier: "acme/core",
  remote_url: "https://github.com/acme/core",
  platform: "github",
  configuration: {},
  version: 1,
  created_at: "2026-01-02T03:04:05.678+00:00",
  updated_at: "2026-01-02T03:04:05.678+00:00",
  integrations: [{
    id: "0b7e4f0e-55c4-4c61-8a0e-2f2d0f5c9a11",
    provider: "github",
    auth_type: "pat",
    is_global: true,
    created_at: "2026-01-02T03:04:05+00:00",
  }],
};
const NOT_FOUND = { statusCode: 404, message: "Project 'acme/unknown' not found", error: "Not Found" };

describe("checkResponse", () => {
  it("passes a body the document describes, under either prefix, the identifier encoded or not, a query string aside", () => {
    expect(checkResponse("GET", "/sfp/api/projects/acme%2Fcore", 200, JSON_TYPE, PROJECT)).toBeNull();
    expect(checkResponse("GET", "/sfp/api/projects/acme/core?x=1", 200, JSON_TYPE, JSON.stringify(PROJECT))).toBeNull();
    expect(checkResponse("GET", "/functions/v1/projects/acme%2Fcore", 200, JSON_TYPE, PROJECT)).toBeNull();
    expect(checkResponse("GET", "/sfp/api/projects", 200, JSON_TYPE, [PROJECT])).toBeNull();
    expect(checkResponse("GET", "/sfp/api/projects/acme%2Funknown", 404, JSON_TYPE, NOT_FOUND)).toBeNull();
    expect(checkResponse("GET", "/sfp/api/health", 200, JSON_TYPE, { status: "ok" })).toBeNull();
  });

  it("refuses a body without a required field, naming the field", () => {
    const { version: _, ...withoutVersion } = PROJECT;
    const problem = checkResponse("GET", "/sfp/api/projects/acme%2Fcore", 200, JSON_TYPE, withoutVersion);
    expect(problem).toMatch(/GET \/sfp\/api\/projects\/\{identifier\} 200's schema \(Project\)/);
    expect(problem).toMatch(/must have required property 'version'/);
    const nested = { ...PROJECT, integrations: [{ ...PROJECT.integrations[0], provider: undefined }] };
    expect(checkResponse("GET", "/sfp/api/projects", 200, JSON_TYPE, [nested])).toMatch(
      /\/0\/integrations\/0 must have required property 'provider'/,
    );
  });

  it("refuses a field of the wrong type or format, naming it and its value", () => {
    expect(checkResponse("GET", "/sfp/api/projects/acme%2Fcore", 200, JSON_TYPE, { ...PROJECT, version: "1" }))
      .toMatch(/\/version must be integer .*is "1"/);
    expect(checkResponse("GET", "/sfp/api/projects/acme%2Fcore", 200, JSON_TYPE, { ...PROJECT, id: "not-a-uuid" }))
      .toMatch(/\/id must match format "uuid"/);
    expect(checkResponse("GET", "/sfp/api/projects/acme%2Fcore", 200, JSON_TYPE, { ...PROJECT, platform: "svn" }))
      .toMatch(/\/platform must be equal to one of the allowed values/);
    expect(checkResponse("GET", "/sfp/api/projects/acme%2Fcore", 404, JSON_TYPE, { ...NOT_FOUND, message: 404 }))
      .toMatch(/\/message must be string/);
  });

  it("refuses a field the schema does not name, but not an extra field of the Error body (open by its schema)", () => {
    expect(checkResponse("GET", "/sfp/api/projects/acme%2Fcore", 200, JSON_TYPE, { ...PROJECT, secret: "x" }))
      .toMatch(/must NOT have unevaluated properties \{"unevaluatedProperty":"secret"\}/);
    const integrations = [{ ...PROJECT.integrations[0], credentials: {} }];
    expect(checkResponse("GET", "/sfp/api/projects/acme%2Fcore", 200, JSON_TYPE, { ...PROJECT, integrations }))
      .toMatch(/\/integrations\/0 must NOT have unevaluated properties \{"unevaluatedProperty":"credentials"\}/);
    expect(checkResponse("GET", "/sfp/api/projects/acme%2Fcore", 200, JSON_TYPE, { ...PROJECT, configuration: { any: { thing: 1 } } }))
      .toBeNull();
    expect(checkResponse("DELETE", "/sfp/api/projects/acme%2Fcore", 409, JSON_TYPE, {
      statusCode: 409,
      message: "Project 'acme/core' has 1 integration(s) scoped to it alone",
      error: "Conflict",
      integrationIds: [PROJECT.integrations[0].id],
    })).toBeNull();
  });

  it("refuses a status the operation does not document, listing those it does", () => {
    expect(checkResponse("GET", "/sfp/api/projects/acme%2Fcore", 409, JSON_TYPE, { ...NOT_FOUND, statusCode: 409, error: "Conflict" }))
      .toMatch(/status 409 is not documented for GET \/sfp\/api\/projects\/\{identifier\} \(documented: 200, 400, 401, 403, 404, 500, 503\)/);
    expect(checkResponse("GET", "/sfp/api/health", 503, JSON_TYPE, { statusCode: 503, message: "down", error: "Service Unavailable" }))
      .toMatch(/status 503 is not documented for GET \/sfp\/api\/health/);
  });

  it("refuses an undocumented content type, a body that is not JSON, and an error whose statusCode is not the status", () => {
    expect(checkResponse("GET", "/sfp/api/projects", 200, "text/html", "<p>")).toMatch(/documents 200 as application\/json, not text\/html/);
    expect(checkResponse("GET", "/sfp/api/projects", 200, JSON_TYPE, "[{")).toMatch(/the body is not JSON/);
    expect(checkResponse("GET", "/sfp/api/projects/x", 404, JSON_TYPE, { ...NOT_FOUND, statusCode: 400 }))
      .toMatch(/statusCode is 400, not the HTTP status/);
  });

  it("checks each line of an NDJSON export", () => {
    expect(checkResponse("GET", "/sfp/api/audit-logs/export", 200, "application/x-ndjson", "")).toBeNull();
    expect(checkResponse("GET", "/sfp/api/audit-logs/export", 200, "application/x-ndjson", '{"id": 1}\n'))
      .toMatch(/line 1 does not match GET \/sfp\/api\/audit-logs\/export 200's schema \(AuditEntry\)/);
  });

  it("holds an unknown route (or a known path with another method) to the Error schema only", () => {
    const cannot = (path: string) => ({ statusCode: 404, message: `Cannot GET ${path}`, error: "Not Found" });
    expect(checkResponse("GET", "/sfp/api/x", 404, JSON_TYPE, cannot("/sfp/api/x"))).toBeNull();
    expect(checkResponse("GET", "/elsewhere", 404, JSON_TYPE, cannot("/elsewhere"))).toBeNull();
    expect(checkResponse("PUT", "/sfp/api/projects", 401, JSON_TYPE, { statusCode: 401, message: "No", error: "Unauthorized" })).toBeNull();
    expect(checkResponse("GET", "/sfp/api/x", 404, JSON_TYPE, { statusCode: 404, error: "Not Found" }))
      .toMatch(/only an error is expected; the body does not match the Error schema:\n.*must have required property 'message'/);
    expect(checkResponse("GET", "/sfp/api/x", 200, JSON_TYPE, {})).toMatch(/only an error is expected, not 200/);
    // The docs function's own pages are not in the document.
    expect(checkResponse("GET", "/sfp/api/docs", 200, "text/html; charset=utf-8", "<!doctype html>")).toBeNull();
    expect(checkResponse("GET", "/sfp/api/openapi.json", 200, JSON_TYPE, "{}")).toBeNull();
  });
});

describe("on the server's own answers", () => {
  const stack = useTestStack();

  it("passes them as they are, and refuses them once a required field is taken out", async () => {
    await createProject(stack, "acme/core");
    const read = await stack.api("GET", "/projects/acme%2Fcore", { token: stack.owner.token });
    expect(read.status).toBe(200);
    const type = read.headers.get("content-type");
    expect(checkResponse("GET", "/sfp/api/projects/acme%2Fcore", 200, type, read.text)).toBeNull();
    const { remote_url: _, ...withoutRemote } = read.body;
    expect(checkResponse("GET", "/sfp/api/projects/acme%2Fcore", 200, type, withoutRemote))
      .toMatch(/must have required property 'remote_url'/);

    const unknown = await stack.api("GET", "/nothing-here", { token: stack.owner.token });
    expect(unknown.status).toBe(404);
    expect(checkResponse("GET", "/sfp/api/nothing-here", 404, unknown.headers.get("content-type"), { ...unknown.body, error: 7 }))
      .toMatch(/\/error must be string/);
  });

  it("refuses a real answer checked against another operation's schema", async () => {
    // A real 200 of GET /projects checked as if it answered GET /users/me: not a Me.
    const list = await stack.api("GET", "/projects", { token: stack.owner.token });
    expect(checkResponse("GET", "/sfp/api/users/me", 200, list.headers.get("content-type"), list.text)).toMatch(/schema \(Me\)/);
  });

  it("api() throws on an answer the document does not describe, unless told not to check (contract: false)", async () => {
    // HEAD is documented for no route; Hono answers it with its GET route's status and headers.
    await expect(stack.api("HEAD", "/projects", { token: stack.owner.token }))
      .rejects.toThrow(/contradicts docs\/openapi.json[^]*HEAD \/sfp\/api\/projects answered 200/);
    const unchecked = await stack.api("HEAD", "/projects", { token: stack.owner.token, contract: false });
    expect(unchecked.status).toBe(200);
  });
});
