/**
 * The contract between the API and its OpenAPI document (docs/openapi.json, made from
 * functions/<name>/routes.ts): `checkResponse` says whether an answer the server gave is one the
 * document describes. TestStack.api() (test-stack.ts) checks every answer the tests receive, so
 * a route changed without its schema fails the tests that call it (issue 11).
 *
 * What is required of an answer to METHOD PATH:
 * - an operation of the document matches it: the path under /sfp/api or /functions/v1 (the
 *   same routes), its parameters matched as Hono matches them (one segment, or the pattern the
 *   route declares: a project identifier is `.+`, "acme%2Fcore" or "acme/core");
 * - its status is one the operation documents (or a documented `default`);
 * - its content type is one documented for that status (a status documented without content
 *   has an empty body);
 * - a JSON body validates against the documented schema (ajv, JSON Schema 2020-12, with
 *   formats); an NDJSON body (`application/x-ndjson`), each of its lines; an object's fields
 *   are those its schema names, unless it allows others (see closedObjects);
 * - an error body's `statusCode` is the HTTP status (the Error schema's description).
 * An answer to a path no operation matches (an unknown route, or a known path with another
 * method: the "Cannot GET /x" 404 of a deliberate probe, or a refusal before routing) must be
 * an error: the shared Error schema, and nothing else. The docs function (/docs, /openapi.json)
 * is not in the document: its successes are not checked here (tests/http/openapi.test.ts does).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import * as ajvFormats from "ajv-formats";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "../../stack/database-setup.ts";

type MediaType = { schema?: unknown };
type Response = { description?: string; content?: Record<string, MediaType> };
type Operation = { operationId?: string; responses: Record<string, Response> };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
};

const METHODS = ["get", "post", "put", "patch", "delete"] as const;
const PREFIXES = ["/sfp/api", "/functions/v1"] as const;
const DOCUMENT_ID = "https://sfp.invalid/openapi.json";
const ERROR_REF = `${DOCUMENT_ID}#/components/schemas/Error`;

interface Template {
  /** As the document writes it: /sfp/api/projects/{identifier}. */
  path: string;
  /** The path after /sfp/api (or /functions/v1), as Hono matches it. */
  pattern: RegExp;
  operations: Partial<Record<string, Operation>>;
}

interface Contract {
  templates: Template[];
  /** Compiled validators, by "<method> <path> <status> <media type>" (and ERROR_REF). */
  validators: Map<string, ValidateFunction>;
}

/** What contract() reads of a route declaration (functions/_shared/openapi.ts `ApiRoute`). */
interface DeclaredRoute {
  function: string;
  honoPath: string;
  config: { path: string };
}

// The route declarations (functions/docs/document.ts), imported at run time by a computed
// specifier: they are Deno code (deno check covers them), which tsc's Node settings would
// otherwise check as well.
const declarations = await import(pathToFileURL(join(PROJECT_ROOT, "functions", "docs", "document.ts")).href) as {
  ROUTE_GROUPS: Record<string, unknown>[];
};

let loaded: Contract | undefined;

/** docs/openapi.json, compiled once (every response schema, so a schema ajv refuses fails at once). */
function contract(): Contract {
  if (loaded) return loaded;
  const document = JSON.parse(readFileSync(join(PROJECT_ROOT, "docs", "openapi.json"), "utf8")) as Document;
  // ajv-formats is CommonJS: its function is the module itself, or its default export.
  const addFormats = ((ajvFormats as unknown as { default?: unknown }).default ?? ajvFormats) as unknown as (
    ajv: Ajv2020,
  ) => Ajv2020;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // The document itself, under an id, so that its "#/components/schemas/..." references
  // resolve; its objects closed, so that a field a route answers is one its schema names.
  ajv.addSchema(closedObjects(structuredClone(document)) as object, DOCUMENT_ID);

  // Where a route's parameter is not one segment, its declaration says so (`patterns`):
  // the Hono path of each documented path, from the same declarations.
  const honoPaths = new Map<string, string>();
  for (const group of declarations.ROUTE_GROUPS) {
    const routes = Object.entries(group).filter(([key]) => key !== "tag").map(([, route]) => route as DeclaredRoute);
    for (const route of routes) honoPaths.set(route.config.path, `/${route.function}${route.honoPath === "/" ? "" : route.honoPath}`);
  }

  const validators = new Map<string, ValidateFunction>();
  validators.set(ERROR_REF, ajv.compile({ $ref: ERROR_REF }));
  const templates: Template[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    const honoPath = honoPaths.get(path);
    if (!honoPath) throw new Error(`docs/openapi.json documents ${path}, which no routes.ts declares: run npm run docs:openapi`);
    const operations: Template["operations"] = {};
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operations[method] = operation;
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [media, { schema }] of Object.entries(response.content ?? {})) {
          if (schema === undefined) continue;
          const pointer = ["paths", path, method, "responses", status, "content", media, "schema"]
            .map((part) => encodeURIComponent(part.replaceAll("~", "~0").replaceAll("/", "~1"))).join("/");
          validators.set(`${method} ${path} ${status} ${media}`, ajv.compile({ $ref: `${DOCUMENT_ID}#/${pointer}` }));
        }
      }
    }
    templates.push({ path, pattern: honoPattern(honoPath), operations });
  }
  loaded = { templates, validators };
  return loaded;
}

/**
 * The document with every object schema that names its properties and says nothing of others
 * (zod's z.object, as the document renders it) closed to others (`unevaluatedProperties:
 * false`): an answer with a field its schema does not name is a route changed without its
 * schema. Schemas that allow others explicitly (the Error body's `additionalProperties: {}`,
 * a JSON object's record) stay open, and so do the members of an allOf (their siblings'
 * properties would count as unevaluated).
 */
function closedObjects(node: unknown, inAllOf = false): unknown {
  if (Array.isArray(node)) {
    for (const item of node) closedObjects(item, inAllOf);
  } else if (node !== null && typeof node === "object") {
    const object = node as Record<string, unknown>;
    if (
      !inAllOf && object.properties !== null && typeof object.properties === "object" &&
      !("additionalProperties" in object) && !("unevaluatedProperties" in object)
    ) {
      object.unevaluatedProperties = false;
    }
    for (const [key, value] of Object.entries(object)) {
      // `properties` maps names to schemas: a property called "properties" is not a keyword.
      if (key === "properties" && value !== null && typeof value === "object") {
        for (const schema of Object.values(value)) closedObjects(schema);
      } else {
        closedObjects(value, key === "allOf");
      }
    }
  }
  return node;
}

/** Hono's path ("/projects/:identifier{.+}") as a regular expression over the path as sent. */
function honoPattern(honoPath: string): RegExp {
  let source = "";
  let rest = honoPath;
  const parameter = /:[A-Za-z0-9_]+(?:\{((?:[^{}]|\{[^{}]*\})*)\})?/;
  for (let match = parameter.exec(rest); match; match = parameter.exec(rest)) {
    source += escapeRegExp(rest.slice(0, match.index)) + `(?:${match[1] ?? "[^/]+"})`;
    rest = rest.slice(match.index + match[0].length);
  }
  return new RegExp(`^${source}${escapeRegExp(rest)}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The path under the prefix (/projects/acme%2Fcore), or null where it is not under /sfp/api or /functions/v1. */
function underPrefix(path: string): string | null {
  const pathname = path.split(/[?#]/, 1)[0];
  if (pathname === "/sfp/api/openapi.json") return "/docs/openapi.json";
  for (const prefix of PREFIXES) {
    if (pathname.startsWith(`${prefix}/`)) return pathname.slice(prefix.length);
  }
  return null;
}

function formatErrors(errors: ErrorObject[] | null | undefined, body: unknown): string {
  return (errors ?? []).slice(0, 10).map((error) => {
    const where = error.instancePath || "(the body)";
    const params = Object.keys(error.params).length ? ` ${JSON.stringify(error.params)}` : "";
    let value = "";
    if (error.instancePath) {
      const found = error.instancePath.split("/").slice(1)
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | null)?.[key.replaceAll("~1", "/").replaceAll("~0", "~")], body);
      if (found !== undefined) value = `, is ${truncate(JSON.stringify(found), 120)}`;
    }
    const schemaPath = error.schemaPath.replace(DOCUMENT_ID, "docs/openapi.json");
    return `  - ${where} ${error.message}${params} (schema ${schemaPath})${value}`;
  }).join("\n");
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}… (${text.length} chars)` : text;
}

/** The body as a value: `body` already parsed, or its text parsed; a parse failure is a mismatch. */
function parseJson(body: unknown): { value: unknown } | { problem: string } {
  if (typeof body !== "string") return { value: body };
  try {
    return { value: JSON.parse(body) };
  } catch {
    return { problem: `the body is not JSON: ${truncate(JSON.stringify(body), 200)}` };
  }
}

function isJsonMedia(media: string): boolean {
  return media === "application/json" || media.endsWith("+json");
}

/**
 * Whether the answer to `method path` (the path as sent, with its /sfp/api or /functions/v1
 * prefix, query string allowed) is one docs/openapi.json describes: null if it is, else a
 * readable account of what is not (which operation, the status, the ajv errors).
 *
 * `body` is the response's text as received (a string is always taken as the raw text, and
 * parsed according to `contentType`), or a JSON value already parsed.
 */
export function checkResponse(
  method: string,
  path: string,
  status: number,
  contentType: string | null | undefined,
  body: unknown,
): string | null {
  const { templates, validators } = contract();
  const media = (contentType ?? "").split(";", 1)[0].trim().toLowerCase();
  const lowerMethod = method.toLowerCase();
  const under = underPrefix(path);
  const template = under === null
    ? undefined
    : templates.find((candidate) => candidate.operations[lowerMethod] && candidate.pattern.test(under));
  const operation = template?.operations[lowerMethod];
  const label = `${method.toUpperCase()} ${path} answered ${status}${media ? ` (${media})` : ""}`;

  if (!template || !operation) {
    // No operation: the docs function's own pages, or an error with the shared error body.
    if (under !== null && /^\/docs(\/|$)/.test(under) && status < 400) return null;
    return checkError(label, "no documented operation matches this path and method, so only an error is expected", status, media, body, validators);
  }

  const where = `${method.toUpperCase()} ${template.path}`;
  const key = String(status) in operation.responses ? String(status) : "default" in operation.responses ? "default" : undefined;
  if (key === undefined) {
    return `${label}: status ${status} is not documented for ${where} (documented: ${Object.keys(operation.responses).join(", ")})`;
  }
  const response = operation.responses[key];
  const documentedMedia = Object.keys(response.content ?? {});
  if (documentedMedia.length === 0) {
    const empty = body === undefined || body === null || body === "";
    return empty ? null : `${label}: ${where} documents ${key} without a body, but one came: ${truncate(String(body), 200)}`;
  }
  if (!documentedMedia.includes(media)) {
    return `${label}: ${where} documents ${key} as ${documentedMedia.join(" or ")}, not ${media || "no content type"}`;
  }
  const validate = validators.get(`${lowerMethod} ${template.path} ${key} ${media}`);
  if (!validate) return null; // documented without a schema
  const schemaName = schemaNameOf(response.content![media].schema);

  if (media === "application/x-ndjson") {
    // A stream of documented values, one a line.
    if (typeof body !== "string") return `${label}: an NDJSON body must be given as its text`;
    const lines = body.split("\n").filter((line) => line.trim() !== "");
    for (const [index, line] of lines.entries()) {
      const parsed = parseJson(line);
      if ("problem" in parsed) return `${label}: line ${index + 1}: ${parsed.problem}`;
      if (!validate(parsed.value)) {
        return `${label}: line ${index + 1} does not match ${where} ${key}'s schema${schemaName}:\n${formatErrors(validate.errors, parsed.value)}\n  line: ${truncate(line, 400)}`;
      }
    }
    return null;
  }
  if (!isJsonMedia(media)) return null; // not JSON: its content type is what can be checked

  const parsed = parseJson(body);
  if ("problem" in parsed) return `${label}: ${parsed.problem}`;
  if (!validate(parsed.value)) {
    return `${label}: the body does not match ${where} ${key}'s schema${schemaName}:\n${formatErrors(validate.errors, parsed.value)}\n  body: ${truncate(JSON.stringify(parsed.value), 600)}`;
  }
  if (status >= 400) return errorStatusMismatch(label, status, parsed.value);
  return null;
}

function schemaNameOf(schema: unknown): string {
  const ref = (schema as { $ref?: unknown } | undefined)?.$ref;
  if (typeof ref === "string") return ` (${ref.split("/").pop()})`;
  const items = (schema as { items?: { $ref?: unknown } } | undefined)?.items?.$ref;
  return typeof items === "string" ? ` (array of ${items.split("/").pop()})` : "";
}

function errorStatusMismatch(label: string, status: number, body: unknown): string | null {
  const statusCode = (body as { statusCode?: unknown } | null)?.statusCode;
  return statusCode === status ? null : `${label}: the error body's statusCode is ${JSON.stringify(statusCode)}, not the HTTP status`;
}

function checkError(
  label: string,
  why: string,
  status: number,
  media: string,
  body: unknown,
  validators: Map<string, ValidateFunction>,
): string | null {
  if (status < 400) return `${label}: ${why}, not ${status}`;
  if (!isJsonMedia(media)) return `${label}: ${why} (the Error schema, as JSON), not ${media || "no content type"}`;
  const parsed = parseJson(body);
  if ("problem" in parsed) return `${label}: ${parsed.problem}`;
  const validate = validators.get(ERROR_REF)!;
  if (!validate(parsed.value)) {
    return `${label}: ${why}; the body does not match the Error schema:\n${formatErrors(validate.errors, parsed.value)}\n  body: ${truncate(JSON.stringify(parsed.value), 600)}`;
  }
  return errorStatusMismatch(label, status, parsed.value);
}

/** Throws (with checkResponse's account) where the answer is not one the document describes. */
export function assertResponse(
  method: string,
  path: string,
  status: number,
  contentType: string | null | undefined,
  body: unknown,
): void {
  const problem = checkResponse(method, path, status, contentType, body);
  if (problem) {
    throw new Error(
      `The answer contradicts docs/openapi.json (the contract check of tests/support/contract.ts):\n${problem}\n` +
        "Either the route's response schema (functions/<name>/schemas.ts or routes.ts; then npm run docs:openapi) " +
        "does not say what the server answers, or the server answers what its documentation says it does not.",
    );
  }
}
