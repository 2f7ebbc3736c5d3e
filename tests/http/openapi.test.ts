/**
 * The OpenAPI document (functions/docs, made from functions/<name>/routes.ts) and its Redoc
 * page. Proves: the served document is docs/openapi.json byte for byte (its servers URL aside,
 * the request's origin), so a route changed without `npm run docs:openapi` fails here; it is a
 * valid OpenAPI 3.1 document; every route the functions register is in it and every documented
 * route answers; each route's roles agree with tests/authorization/permissions.ts; /sfp/api/docs
 * is HTML that loads its script from our own origin; none of them needs a token.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";
import { CALLERS, type CallerName, MATRIX } from "../authorization/permissions.ts";
import { openApiPath, type RegisteredRoute, registeredRoutes } from "../support/openapi.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack({ reset: false });

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
type Operation = { "x-sfp-roles": string[]; security: unknown[]; responses: Record<string, unknown> };
type Document = { openapi: string; servers: { url: string }[]; paths: Record<string, Record<string, Operation>> };

const committedText = () => readFileSync(join(PROJECT_ROOT, "docs", "openapi.json"), "utf8");

function operations(document: Document): { method: string; path: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ method: method.toUpperCase(), path, operation: item[method] }))
  );
}

describe("the served document", () => {
  let served: { status: number; text: string; headers: Headers };
  beforeAll(async () => {
    served = await stack.api("GET", "/openapi.json");
  });

  it("answers without authentication, as JSON", () => {
    expect(served.status, served.text).toBe(200);
    expect(served.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("is docs/openapi.json byte for byte, its servers the request's origin (run npm run docs:openapi after changing a route)", () => {
    const committed = committedText();
    const servers = '  "servers": [\n    {\n      "url": "/"\n    }\n  ],\n';
    expect(committed).toContain(servers);
    expect(served.text).toBe(committed.replace(servers, servers.replace('"/"', JSON.stringify(new URL(stack.url).origin))));
  });

  it("is the same at /sfp/api/docs/openapi.json and /functions/v1/docs/openapi.json", async () => {
    expect((await stack.api("GET", "/docs/openapi.json")).text).toBe(served.text);
    expect((await stack.api("GET", "/docs/openapi.json", { prefix: "/functions/v1" })).text).toBe(served.text);
  });

  it("is a valid OpenAPI 3.1 document", async () => {
    const document = JSON.parse(served.text);
    expect(document.openapi).toBe("3.1.0");
    const result = await new Validator().validate(document);
    expect(result.errors, JSON.stringify(result.errors, null, 2)).toBeUndefined();
    expect(result.valid).toBe(true);
  });
});

describe("the routes", () => {
  let document: Document;
  let registered: RegisteredRoute[];
  beforeAll(() => {
    document = JSON.parse(committedText());
    registered = registeredRoutes();
  });

  it("every route a function registers is documented, and every documented route is registered", () => {
    const fromApps = registered.map((route) => `${route.method} ${openApiPath(route.path)}`).sort();
    const documented = operations(document).map(({ method, path }) => `${method} ${path}`).sort();
    expect(fromApps.length).toBeGreaterThan(20);
    expect(documented).toEqual(fromApps);
  });

  it("every documented route answers something else than the 404 of an unknown route", async () => {
    const sample: Record<string, string> = {
      identifier: "acme%2Fcore",
      id: "00000000-0000-4000-8000-000000000000",
      email: "someone%40example.test",
    };
    for (const { method, path } of operations(document)) {
      const concrete = path.replace(/^\/sfp\/api/, "").replace(/\{(\w+)\}/g, (_, name: string) => sample[name]);
      const response = await stack.api(method, concrete, { token: stack.owner.token });
      expect(response.body?.message ?? "", `${method} ${path}`).not.toMatch(/^Cannot /);
    }
  });

  it("each route's roles are those of tests/authorization/permissions.ts", () => {
    const status = (statuses: readonly number[], caller: CallerName) => statuses[CALLERS.indexOf(caller)];
    const allowed = (statuses: readonly number[], caller: CallerName) => status(statuses, caller) < 300;
    const matches = (documented: string, matrixPath: string) => {
      const a = documented.split("/");
      const b = `/sfp/api${matrixPath.split("?")[0]}`.split("/");
      return a.length === b.length && a.every((part, i) => part === b[i] || (part.startsWith("{") && b[i].startsWith("{")));
    };
    const ops = operations(document);
    const covered = new Set<string>();
    for (const route of MATRIX) {
      const found = ops.find(({ method, path }) => method === route.method && matches(path, route.path));
      expect(found, `${route.method} ${route.path} is documented`).toBeDefined();
      covered.add(`${found!.method} ${found!.path}`);
      const roles = new Set<string>();
      if (route.bodyProof || allowed(route.statuses, "no token")) roles.add("anyone");
      else {
        if (allowed(route.statuses, "JWT of a non-member")) roles.add("signed-in user");
        else {
          if (allowed(route.statuses, "member")) roles.add("member");
          if (allowed(route.statuses, "owner")) roles.add("owner");
        }
        if (allowed(route.statuses, "application token")) roles.add("application");
        if (allowed(route.statuses, "service-role key")) roles.add("service");
      }
      expect([...found!.operation["x-sfp-roles"]].sort(), `${route.method} ${route.path}`).toEqual([...roles].sort());
      // A route with a refusal documents it.
      for (const refusal of new Set(route.statuses.filter((code) => code >= 400))) {
        expect(Object.keys(found!.operation.responses), `${route.method} ${route.path} documents ${refusal}`).toContain(String(refusal));
      }
    }
    // The matrix leaves out only the readiness check, public like liveness.
    const uncovered = ops.filter(({ method, path }) => !covered.has(`${method} ${path}`));
    expect(uncovered.map(({ method, path }) => `${method} ${path}`)).toEqual(["GET /sfp/api/health/ready"]);
    expect(uncovered[0].operation["x-sfp-roles"]).toEqual(["anyone"]);
  });

  it("public routes declare no security, every other route the bearer scheme", () => {
    for (const { method, path, operation } of operations(document)) {
      const expected = operation["x-sfp-roles"].includes("anyone") ? [] : [{ bearer: [] }];
      expect(operation.security, `${method} ${path}`).toEqual(expected);
    }
  });
});

describe("the reference page", () => {
  it("/sfp/api/docs is HTML that loads Redoc from our own origin, without authentication", async () => {
    const response = await stack.api("GET", "/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const pageUrl = `${stack.url}/sfp/api/docs`;
    const references = [...response.text.matchAll(/\b(?:src|href|spec-url)="([^"]*)"/g)].map((match) => match[1]);
    const scripts = [...response.text.matchAll(/<script\b[^>]*\bsrc="([^"]*)"/g)].map((match) => match[1]);
    expect(scripts).toHaveLength(1);
    expect(response.text).not.toMatch(/https?:\/\//);
    for (const reference of references) expect(new URL(reference, pageUrl).origin).toBe(new URL(stack.url).origin);

    const script = await fetch(new URL(scripts[0], pageUrl));
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(100_000);

    const spec = response.text.match(/spec-url="([^"]*)"/)![1];
    const document = await fetch(new URL(spec, pageUrl));
    expect(document.status).toBe(200);
    expect((await document.json()).openapi).toBe("3.1.0");
  });
});
