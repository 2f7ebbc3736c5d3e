/**
 * Property-based tests over every route's input (issue 10): random bodies, query strings,
 * path parameters and content types, sent as the owner (so authorization passes and the
 * input is what is tested), never answer 5xx; every non-2xx answer is the JSON error body
 * {statusCode, message, error} with statusCode equal to the HTTP status; and a 4xx changes no
 * state (the credential store's tables, by count and a hash of their rows, are the same before
 * and after it; the audit log may grow, since credential requests are audited whatever their
 * answer, and application tokens' last_used_at is ignored).
 *
 * The inputs mix a route's real field and parameter names (and real ids of a little seeded
 * data) with random values and unknown names: unicode, NUL, lone surrogates, numbers too large
 * for a double or an integer column, nesting past the edge's depth limit, malformed JSON,
 * repeated and oddly percent-encoded query parameters, paths with slashes and dots.
 *
 * Runs are bounded (NUM_RUNS per route) and seeded: SFP_PROPERTY_SEED (default below) makes a
 * run reproducible, and fast-check prints the seed, the path and the shrunk input of a failure.
 * Later requests of a run see what earlier 2xx answers did (a project deleted, a token revoked):
 * the properties hold whatever the state.
 */
import fc from "fast-check";
import type postgres from "postgres";
import { beforeEach, describe, expect, it } from "vitest";
import { createIntegration, createProject } from "../support/http.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

const NUM_RUNS = Number(process.env.SFP_PROPERTY_RUNS ?? 40);
const SEED = Number(process.env.SFP_PROPERTY_SEED ?? 20261210);
/** SFP_PROPERTY_VERBOSE=1: print each route's statuses and most common answers. */
const VERBOSE = Boolean(process.env.SFP_PROPERTY_VERBOSE);

// ---------------------------------------------------------------------------------------------
// Requests, and how they are sent.

/** A value serialized verbatim into a JSON body (numbers JSON.stringify cannot write, deep nesting). */
class RawJson {
  constructor(readonly text: string) {}
  toString() {
    return `RawJson(${this.text.length > 80 ? `${this.text.slice(0, 80)}… (${this.text.length} chars)` : this.text})`;
  }
}

/** A JSON object as a list of fields: keys may repeat, and "__proto__" is an ordinary key. */
class JsonObject {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof JsonObject) {
    return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(",")}}`;
  }
  if (Array.isArray(value)) return `[${value.map(toJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return toJson(new JsonObject(Object.entries(value)));
  }
  return JSON.stringify(value) ?? "null";
}

interface RouteRequest {
  method: string;
  prefix: "/sfp/api" | "/functions/v1";
  /** After the prefix, as sent (already percent-encoded where meant to be). */
  path: string;
  /** Without "?"; undefined: no "?" at all. */
  query?: string;
  headers: Record<string, string>;
  /** Sent as bytes, so that fetch adds no content type of its own. */
  body?: string | Uint8Array<ArrayBuffer>;
}

interface Answer {
  status: number;
  text: string;
  body: unknown;
}

async function send(request: RouteRequest): Promise<Answer> {
  const url = `${stack.url}${request.prefix}${request.path}${request.query === undefined ? "" : `?${request.query}`}`;
  const body = typeof request.body === "string" ? new TextEncoder().encode(request.body) : request.body;
  const response = await fetch(url, {
    method: request.method,
    headers: { authorization: `Bearer ${stack.owner.token}`, ...request.headers },
    body,
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: response.status, text, body: parsed };
}

// ---------------------------------------------------------------------------------------------
// The state a 4xx must leave as it was: every table of the credential store but the audit's,
// by row count and an MD5 of its rows (as JSON, sorted), in one query.

const STATE_TABLES: Array<[table: string, ignored: string]> = [
  ["projects", ""],
  ["integrations", ""],
  ["credential_versions", ""],
  ["integration_projects", ""],
  ["application_tokens", " - 'last_used_at'"],
  ["application_token_projects", ""],
  ["members", ""],
];
const SNAPSHOT = `select ${
  STATE_TABLES.map(([table, ignored]) =>
    `(select count(*) || ':' || md5(coalesce(string_agg(j::text, ',' order by j::text), ''))
       from (select to_jsonb(r)${ignored} as j from sfp.${table} r) s) as ${table}`
  ).join(", ")
}`;

async function snapshot(sql: postgres.Sql | postgres.TransactionSql = stack.sql): Promise<Record<string, string>> {
  const [row] = await sql.unsafe(SNAPSHOT);
  return { ...row };
}

// ---------------------------------------------------------------------------------------------
// Seeded data: real ids for the generators to hit some of the time.

interface Seed {
  projects: string[];
  integrationIds: string[];
  tokenId: string;
  emails: string[];
}

const NEWCOMER = "newcomer@example.test";
let seed: Seed;

async function seedData(): Promise<Seed> {
  await createProject(stack, "acme/core");
  await createProject(stack, "acme/web");
  const github = await createIntegration(stack, {
    provider: "github",
    authType: "pat",
    credentials: { token: "ghp_madeUpProperty0000000000000000000000" },
    projects: ["acme/core"],
  });
  const jira = await createIntegration(stack, {
    provider: "jira",
    authType: "basic_auth",
    credentials: { base_url: "https://acme.atlassian.net", username: "ci@acme.test", api_token: "made-up-jira" },
    isGlobal: true,
  });
  // A second version, so that a rollback to version 1 can succeed.
  const patched = await stack.api("PATCH", `/integrations/${github}`, {
    token: stack.owner.token,
    body: { credentials: { token: "ghp_madeUpProperty1111111111111111111111" } },
  });
  expect(patched.status, patched.text).toBe(200);
  const token = await stack.api("POST", "/application-tokens", {
    token: stack.owner.token,
    body: { name: "ci", expiresIn: 30, projects: ["acme/core"] },
  });
  expect(token.status, token.text).toBe(201);
  // A confirmed Supabase Auth user who is not a member yet: POST /users can add them.
  await stack.sql`insert into auth.users (id, email, email_confirmed_at) values (gen_random_uuid(), ${NEWCOMER}, now())`;
  return {
    projects: ["acme/core", "acme/web"],
    integrationIds: [github, jira],
    tokenId: token.body.id,
    emails: [stack.owner.email, stack.member.email, stack.outsider.email, NEWCOMER],
  };
}

// ---------------------------------------------------------------------------------------------
// Generators of values.

/** One unit of a hostile string: NUL, lone surrogates, direction marks, path and quote characters, any code point. */
const hostileUnit: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "\u0000", "\ud800", "\udbff", "\udc00", "\udfff", "\u202e", "\u200b", "\ufeff", "\uffff", "\u0085",
      "/", ".", "%", "\\", '"', "'", ";", "&", "=", "?", "#", "+", " ", "\t", "\n", "\r",
      "é", "ß", "🚀", "שׁ", "\u0001", "\u007f",
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
);

const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: hostileUnit, maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "", " ", "\u0000", "\ud800", "a\udc00b", "null", "true", "1e400", "undefined", "NaN",
      "acme'; drop table sfp.projects; --", "a/b' or '1'='1", "%", "%00", "%2F", "../..", "./.", "\u202eeroc",
      "x".repeat(256), "x".repeat(5000),
    ),
  },
  // Now and then more than the body limit (65,536 bytes): a 413.
  { weight: 1, arbitrary: fc.constantFrom("y".repeat(70_000), "é".repeat(33_000)) },
);

/** For query strings and paths (a URL of 70,000 characters would test the HTTP server's limits, not the routes). */
const shortHostileString = hostileString.filter((text) => text.length < 600);

/** Numbers JSON.stringify writes, and those it cannot (written verbatim). */
const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, 1, 2, 0.5, 365, 366, 1000, 1001, 2 ** 31 - 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER,
    2 ** 53 + 2, 1e20, 1e308, -1e308, 5e-324),
  fc.constantFrom(
    new RawJson("1e400"),
    new RawJson("-1e400"),
    new RawJson("1e-400"),
    new RawJson("123456789012345678901234567890"),
    new RawJson("1.0"),
    new RawJson("2E0"),
    new RawJson("-0.0"),
  ),
);

/** JSON nested around and far past the edge's depth limit (32). */
const deepJson: fc.Arbitrary<RawJson> = fc.tuple(fc.constantFrom(31, 32, 33, 200, 20_000), fc.boolean()).map(
  ([depth, arrays]) =>
    new RawJson(arrays ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth)),
);

/** Any JSON value, strings and keys included hostile. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3, stringUnit: hostileUnit }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 2, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, new JsonObject([["__proto__", { x: 1 }]])) },
);

/** A plausible value most of the time, anything now and then. */
function field(plausible: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: plausible }, { weight: 1, arbitrary: anyJson });
}

const unknownKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("owner", "id", "role", "__proto__", "constructor", "toString", "scope", "global", "repository", "", "\u0000",
    "\ud800", "Identifier", "PROVIDER", "is-global"),
  fc.string({ unit: hostileUnit, maxLength: 12 }),
);

/** An object with some of the route's fields (plausible or not), and now and then unknown or repeated ones. */
function objectOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<JsonObject> {
  const known = fc.record(
    Object.fromEntries(Object.entries(fields).map(([name, plausible]) => [name, field(plausible)])),
    { requiredKeys: [] },
  );
  const extra = fc.oneof(
    { weight: 4, arbitrary: fc.constant<Array<[string, unknown]>>([]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(unknownKey, anyJson), { minLength: 1, maxLength: 2 }) },
    // A known field given twice (JSON.parse keeps the last).
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...Object.keys(fields)), anyJson).map(([key, value]) =>
        [[key, value]] as Array<[string, unknown]>
      ),
    },
  );
  return fc.tuple(known, extra).map(([present, more]) => new JsonObject([...Object.entries(present), ...more]));
}

/** A body text that is not the JSON of an object: malformed, truncated, another JSON value, empty. */
const oddBodyText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("", " ", "{", "}", "[]", "null", "0", '""', "{'a': 1}", '{"a":1,}', '{"a" 1}', "\ufeff{}", "{}{}",
    '{"provider": "github", ', "undefined", "NaN", '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"\\u0000":1}',
    '{"__proto__":{"x":1}}', "{}\u0000", "1e400"),
  fc.json({ maxDepth: 2 }),
  fc.string({ unit: hostileUnit, maxLength: 40 }),
);

/** Bytes that are not UTF-8 (a lone continuation byte, a CESU-8 surrogate, a truncated sequence). */
const invalidUtf8: fc.Arbitrary<Uint8Array<ArrayBuffer>> = fc.constantFrom(
  Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), // {"a":"\xff"}
  Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // {"a":"<CESU-8 U+D800>"}
  Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x22, 0x7d]), // {"a":"\xc3"}
  Uint8Array.from([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d]), // UTF-16 BOM and "{}"
);

const JSON_TYPE = "application/json";
const contentType: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(JSON_TYPE) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<string | null>(
      null, // none at all
      "application/json; charset=utf-8",
      "APPLICATION/JSON",
      "application/json;charset=latin1",
      "application/json;",
      "application/jsonx",
      "application/json-patch+json",
      "application/merge-patch+json",
      "text/plain",
      "text/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/octet-stream",
      "",
      "*/*",
    ),
  },
);

/**
 * A valid body with one thing wrong, now and then: a field's value replaced by any JSON, a
 * field left out, or an unknown field added.
 */
function nearlyValid(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<JsonObject> {
  const change = fc.oneof(
    { weight: 3, arbitrary: fc.constant("as is") },
    { weight: 1, arbitrary: fc.constantFrom("replace", "remove", "add") },
  );
  return fc.tuple(valid, change, fc.nat(), anyJson, unknownKey).map(
    ([body, change, n, value, key]) => {
      const entries = Object.entries(body);
      const at = entries.length ? n % entries.length : -1;
      if (change === "replace" && at >= 0) entries[at] = [entries[at][0], value];
      else if (change === "remove" && at >= 0) entries.splice(at, 1);
      else if (change !== "as is") entries.push([key, value]);
      return new JsonObject(entries);
    },
  );
}

/**
 * A request body: a valid one (as is or with one thing wrong), an object with some of the
 * route's fields (plausible or not), any JSON, malformed text, bytes that are not UTF-8, or
 * nothing; and its content type (mostly JSON, sometimes another or none).
 */
function bodyFor(
  fields: Record<string, fc.Arbitrary<unknown>>,
  valid: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<{ body?: string | Uint8Array<ArrayBuffer>; type: string | null }> {
  const payload: fc.Arbitrary<string | Uint8Array<ArrayBuffer> | undefined> = fc.oneof(
    { weight: 8, arbitrary: nearlyValid(valid).map(toJson) },
    { weight: 6, arbitrary: objectOf(fields).map(toJson) },
    { weight: 2, arbitrary: anyJson.map(toJson) },
    { weight: 2, arbitrary: oddBodyText },
    { weight: 1, arbitrary: invalidUtf8 },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  return fc.record({ body: payload, type: contentType })
    .map(({ body, type }) => (body === undefined ? { type } : { body, type }));
}

// Query strings.

/** encodeURIComponent, but a lone surrogate (which it refuses) is sent as U+FFFD, as a browser would. */
function encode(text: string): string {
  return encodeURIComponent(text.replace(/[\ud800-\udfff]/gu, "\ufffd"));
}

type Param = [name: string, value: string];

/** How a parameter's name or value is written into the query: percent-encoded, raw, or oddly. */
const encoding: fc.Arbitrary<(text: string) => string> = fc.constantFrom(
  (text: string) => encode(text),
  // As is, but for "#" (which would end the URL) and "&" "=" (which would split it differently: also tried, below).
  (text: string) => text.replaceAll("#", "%23"),
  (text: string) => encode(text).replaceAll("%20", "+").replaceAll("%2F", "/"),
  // Twice encoded.
  (text: string) => encode(encode(text)),
  // Lower-case hex, and every character encoded.
  (text: string) =>
    Array.from(new TextEncoder().encode(text), (byte) => `%${byte.toString(16).padStart(2, "0")}`).join(""),
);

const oddQueryPiece: fc.Arbitrary<string> = fc.constantFrom(
  "%", "%Z", "%ZZ", "%C3", "%ED%A0%80", "%FF%FE", "%00", "%2", "a%", "+", "%2B", "=", "==", "&", ";", "%26", "%3D",
);

/** A query string from the route's parameter names (plausible values) and unknown ones, repeats and odd pieces included. */
function queryFor(params: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string | undefined> {
  const names = Object.keys(params);
  const knownParam: fc.Arbitrary<Param>[] = names.map((name) =>
    fc.tuple(fc.constant(name), fc.oneof({ weight: 3, arbitrary: params[name] }, { weight: 1, arbitrary: shortHostileString }))
  );
  const unknownParam: fc.Arbitrary<Param> = fc.tuple(
    fc.oneof(
      fc.constantFrom("repo", "repository", "Provider", "PROJECT", "provider[]", "project[0]", "__proto__", "constructor", "",
        "limit", "force", "x"),
      fc.string({ unit: hostileUnit, minLength: 1, maxLength: 8 }),
    ),
    fc.oneof(fc.string({ maxLength: 8 }), shortHostileString),
  );
  const param: fc.Arbitrary<Param> = fc.oneof(
    ...(knownParam.length ? knownParam.map((arbitrary) => ({ weight: 6, arbitrary })) : []),
    { weight: 2, arbitrary: unknownParam },
  );
  // A piece of the query, with the name it gives (to keep names apart, or to repeat one).
  const piece: fc.Arbitrary<[name: string, text: string]> = fc.oneof(
    {
      weight: 12,
      arbitrary: fc.tuple(param, encoding, encoding).map(([[name, value], onName, onValue]) =>
        [name, `${onName(name)}=${onValue(value)}`] as [string, string]
      ),
    },
    // A name alone (no "="), an odd piece, a name with an odd value.
    { weight: 1, arbitrary: param.map(([name]) => [name, encode(name)] as [string, string]) },
    { weight: 1, arbitrary: oddQueryPiece.map((odd) => [odd, odd] as [string, string]) },
    {
      weight: 1,
      arbitrary: fc.tuple(param, oddQueryPiece).map(([[name], odd]) => [name, `${encode(name)}=${odd}`] as [string, string]),
    },
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant("") },
    // Parameters of different names (most of the time).
    {
      weight: 8,
      arbitrary: fc.uniqueArray(piece, { minLength: 1, maxLength: 4, selector: ([name]) => name })
        .map((pieces) => pieces.map(([, text]) => text).join("&")),
    },
    // One parameter given two or three times (the same or different values), or separated by ";".
    {
      weight: 2,
      arbitrary: fc.tuple(fc.array(piece, { minLength: 2, maxLength: 3 }), fc.boolean()).map(([pieces, same]) =>
        (same ? pieces.map(() => pieces[0][1]) : pieces.map(([, text]) => text.replace(/^[^=]*/, pieces[0][1].split("=")[0])))
          .join("&")
      ),
    },
    {
      weight: 1,
      arbitrary: fc.array(piece, { minLength: 2, maxLength: 3 }).map((pieces) => pieces.map(([, text]) => text).join(";")),
    },
  );
}

// Path parameters.

/** A path parameter as sent: an encoded value, or raw text with slashes, dots and odd percent sequences. */
function pathParam(real: () => string[], plausible: fc.Arbitrary<string>, realWeight = 5): fc.Arbitrary<string> {
  const realOne = fc.nat().map((n) => {
    const values = real();
    return values[n % values.length];
  });
  return fc.oneof(
    { weight: realWeight, arbitrary: realOne.map(encode) },
    { weight: 1, arbitrary: realOne }, // unencoded: "acme/core" stays two segments
    { weight: 1, arbitrary: realOne.map((value) => encode(value.toUpperCase())) },
    { weight: 3, arbitrary: plausible.map(encode) },
    { weight: 2, arbitrary: shortHostileString.map(encode) },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.constantFrom("a/b", "a/../b", "./x", "..", ".", "x.json", "a%2Fb", "%2e%2e", "%2e", "a/./b", "a//b", "a/", "/a",
          "%", "%ZZ", "%00", "%C3", "%ED%A0%80", "a%2F..%2Fb", "~", "*", "'", "a;b", "a:b", "@", "%40"),
        fc.array(fc.constantFrom("acme", "core", ".", "..", "%2F", "%2e", "x.y", "a_b", "-", ""), { minLength: 1, maxLength: 4 })
          .map((segments) => segments.join("/")),
      ),
    },
  );
}

const uuidLike: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  fc.uuid().map((id) => id.toUpperCase()),
  fc.uuid().map((id) => `{${id}}`),
  fc.uuid().map((id) => id.replaceAll("-", "")),
  fc.constantFrom("00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "not-a-uuid", "1"),
);

// ---------------------------------------------------------------------------------------------
// Plausible values of the routes' fields.

const identifierLike: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("acme/core", "acme/web", "acme/unknown", "12345678", "group/sub.group/pro_ject-1", "ACME/core", "acme/core/",
    "acme//core", "acme/../core", ".", "a".repeat(255), `acme/${"r".repeat(251)}`),
  fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}(\/[A-Za-z0-9_.-]{1,12}){0,2}$/),
);
const remoteUrl = fc.oneof(
  fc.constantFrom("https://github.com/acme/new", "git@github.com:acme/new.git", "ssh://git@gitlab.com/a/b", "git://x.test/y",
    "https://gitlab.example.test/group/project", "javascript:alert(1)", "https://", "ftp://x/y", "http://github.com/a/b",
    `https://github.com/${"a".repeat(2040)}`),
  fc.webUrl(),
);
const provider = fc.constantFrom("github", "jira", "gitlab", "GitHub", "", "github ");
const authType = fc.constantFrom("pat", "oauth", "app", "basic_auth", "PAT", "x-y", "a".repeat(41));
const isoDate = fc.oneof(
  fc.constantFrom("2026-01-01T00:00:00Z", "2026-12-31T23:59:59.999+14:00", "2026-02-30T00:00:00Z", "2024-02-29T12:00:00-12:00",
    "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-01-01", "2026-01-01T00:00:00", "yesterday", "2026-01-01T24:00:00Z"),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
);
const pem = fc.constantFrom(
  "-----BEGIN RSA PRIVATE KEY-----\nMIIBmadeup\n-----END RSA PRIVATE KEY-----",
  "-----BEGIN PRIVATE KEY-----\n\n-----END PRIVATE KEY-----",
  "-----BEGIN EC PRIVATE KEY-----x-----END RSA PRIVATE KEY-----",
);
const credentialValue = fc.oneof(
  fc.constantFrom("ghp_madeUp", "https://acme.atlassian.net", "http://localhost:8080", "ci@acme.test", " ", "x".repeat(8193)),
  pem,
  isoDate,
  fc.constantFrom(1, 42, "42", "0", -1),
);
const credentials = objectOf(Object.fromEntries(
  ["token", "access_token", "refresh_token", "expires_at", "client_id", "client_secret", "cloud_id", "base_url", "username",
    "api_token", "app_id", "installation_id", "private_key"].map((name) => [name, credentialValue]),
));
const config = fc.oneof(
  objectOf({ note: fc.string(), padding: fc.string(), nested: anyJson, deep: deepJson }),
  fc.constantFrom({}, [], "config"),
);
const version = fc.oneof(fc.constantFrom(1, 2, 3, 0, -1, 1.5, "1", 999_999_999, 2 ** 31), hostileNumber);
const ifMatch = fc.constantFrom('"1"', '"2"', "1", 'W/"1"', '"0"', '"999999999"', '"9999999999"', "*", "", '"a"', '"1", "2"',
  "\u00e9");
const identifiers = fc.array(identifierLike, { maxLength: 4 });
const providers = fc.array(provider, { maxLength: 3 });
const role = fc.constantFrom("owner", "member", "admin", "Owner", "", "service");
const email = fc.oneof(
  fc.constantFrom("owner@example.test", "member@example.test", "outsider@example.test", NEWCOMER, "OWNER@EXAMPLE.TEST",
    "nobody@example.test", "not-an-email", "a@b", "@", "a@b@c.test", " owner@example.test", `${"a".repeat(310)}@example.test`),
  fc.emailAddress(),
);

const auditParams: Record<string, fc.Arbitrary<string>> = {
  actor: fc.oneof(email, uuidLike, fc.string({ maxLength: 10 })),
  action: fc.constantFrom("credentials.read", "integration.update", "project.create", "x", "a.b.c", "Credentials.Read"),
  integration_id: uuidLike,
  project: identifierLike,
  outcome: fc.constantFrom("granted", "denied", "not_found", "invalid", "error", "succeeded", "GRANTED", "ok"),
  from: isoDate,
  to: isoDate,
  limit: fc.constantFrom("1", "100", "1000", "1001", "0", "-1", "1e3", "0x10", "NaN", "Infinity", "", "1.5", "9".repeat(30)),
  cursor: fc.constantFrom("1", "42", "9223372036854775807", "9223372036854775808", "9999999999999999999", "-1", "abc", "0"),
};

// Valid bodies (each route's happy path, so that input also reaches the database), which
// nearlyValid() then spoils one field at a time.

const REAL_PROJECTS = ["acme/core", "acme/web"];

/** Text a credential, a name or a config value may be: any graphemes, not blank, no control characters. */
const safeText = fc.string({ unit: "grapheme", minLength: 1, maxLength: 24 })
  .filter((text) => text.trim().length > 0 && !/[\u0000-\u001f\u007f-\u009f]/.test(text));
const validDate = fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true })
  .map((date) => date.toISOString());
const validUrl = fc.constantFrom("https://acme.atlassian.net", "http://jira.local:8080/", "https://jira.example.test/path?q=1");
const numericId = fc.oneof(fc.integer({ min: 1, max: 2 ** 31 }), fc.stringMatching(/^[0-9]{1,20}$/));
const validPem = fc.constant("-----BEGIN RSA PRIVATE KEY-----\nMIIBmadeUpForProperties\n-----END RSA PRIVATE KEY-----\n");
const oauthCredentials = {
  access_token: safeText,
  refresh_token: safeText,
  expires_at: validDate,
  client_id: safeText,
  client_secret: safeText,
};

/** A provider, an auth type and credentials that fit them. */
const validCredentials: fc.Arbitrary<{ provider: string; authType: string; credentials: Record<string, unknown> }> = fc.oneof(
  fc.record({ provider: fc.constant("github"), authType: fc.constant("pat"), credentials: fc.record({ token: safeText }) }),
  fc.record({
    provider: fc.constant("github"),
    authType: fc.constant("oauth"),
    credentials: fc.record(oauthCredentials, { requiredKeys: ["access_token"] }),
  }),
  fc.record({
    provider: fc.constant("github"),
    authType: fc.constant("app"),
    credentials: fc.record({ app_id: numericId, installation_id: numericId, private_key: validPem }),
  }),
  fc.record({
    provider: fc.constant("jira"),
    authType: fc.constant("basic_auth"),
    credentials: fc.record({ base_url: validUrl, username: safeText, api_token: safeText }),
  }),
  fc.record({
    provider: fc.constant("jira"),
    authType: fc.constant("oauth"),
    credentials: fc.record({ ...oauthCredentials, cloud_id: safeText }, { requiredKeys: ["access_token"] }),
  }),
  fc.record({
    provider: fc.constant("jira"),
    authType: fc.constant("pat"),
    credentials: fc.record({ base_url: validUrl, token: safeText }),
  }),
);
const validConfig = fc.dictionary(
  safeText,
  fc.jsonValue({ maxDepth: 3, stringUnit: "grapheme" }).filter((value) => !JSON.stringify(value).includes("\\u0000")),
  { maxKeys: 3 },
);
const validScope: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.constantFrom({ isGlobal: true }, { is_global: true }, { isGlobal: true, is_global: true }),
  fc.subarray(REAL_PROJECTS, { minLength: 1 }).map((projects) => ({ projects })),
  fc.subarray(REAL_PROJECTS, { minLength: 1 }).map((projects) => ({ projects, isGlobal: false })),
);

const validProject = fc.oneof(
  fc.constantFrom(...REAL_PROJECTS),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,12}\/[A-Za-z0-9_-]{1,12}$/),
).chain((identifier) =>
  fc.record({
    identifier: fc.constant(identifier),
    remoteUrl: fc.constantFrom(
      `https://github.com/${identifier}`,
      `git@gitlab.com:${identifier}.git`,
      `ssh://git@host.test/${identifier}`,
    ),
  })
);
const validIntegration = fc.tuple(validCredentials, fc.boolean(), validScope, fc.option(validConfig, { nil: undefined })).map(
  ([{ provider, authType, credentials }, snake, scope, config]) => ({
    provider,
    [snake ? "auth_type" : "authType"]: authType,
    credentials,
    ...scope,
    ...(config === undefined ? {} : { config }),
  }),
);
const validPatch = fc.record({
  // GitHub PAT credentials fit the first seeded integration; on the Jira one they are a 400.
  credentials: fc.oneof(
    fc.record({ token: safeText }),
    fc.record({ base_url: validUrl, username: safeText, api_token: safeText }),
  ),
  config: validConfig,
  scope: validScope,
  version: fc.integer({ min: 1, max: 4 }),
}, { requiredKeys: [] }).map(({ scope, ...rest }) => ({ ...rest, ...(scope ?? {}) }));
const validFilter = fc.record(
  { provider: fc.constantFrom("github", "jira"), project: fc.constantFrom(...REAL_PROJECTS, "acme/none") },
  { requiredKeys: [] },
);
const validToken = fc.record({
  name: safeText,
  expiresIn: fc.integer({ min: 1, max: 365 }),
  projects: fc.oneof(fc.constant(null), fc.subarray(REAL_PROJECTS, { minLength: 1 })),
  providers: fc.oneof(fc.constant(null), fc.subarray(["github", "jira"], { minLength: 1 })),
}, { requiredKeys: ["name"] });
const validRole = fc.record({ role: fc.constantFrom("owner", "member") });
const validMember = fc.record({
  email: fc.constantFrom(NEWCOMER, NEWCOMER.toUpperCase(), "member@example.test", "outsider@example.test", "nobody@example.test"),
  role: fc.constantFrom("owner", "member"),
});

// ---------------------------------------------------------------------------------------------
// The routes.

interface Route {
  name: string;
  /** Whether a 2xx may change who is an owner (then the owner is made an owner again). */
  touchesMembers?: boolean;
  request: () => fc.Arbitrary<RouteRequest>;
}

const prefix = fc.oneof(
  { weight: 5, arbitrary: fc.constant<RouteRequest["prefix"]>("/sfp/api") },
  { weight: 1, arbitrary: fc.constant<RouteRequest["prefix"]>("/functions/v1") },
);
const requestId = fc.option(
  fc.oneof(fc.constantFrom("req-1", "a".repeat(129), "<script>", "é", " "), fc.string({ unit: "grapheme-ascii", maxLength: 20 }))
    .map((id) => id.replace(/[\r\n\0]/g, "")),
  { freq: 4 },
);

/** A route without a body: a path (perhaps with a parameter) and a query string. */
function withoutBody(
  method: string,
  path: fc.Arbitrary<string>,
  params: Record<string, fc.Arbitrary<string>> = {},
): () => fc.Arbitrary<RouteRequest> {
  return () =>
    fc.record({
      prefix,
      path,
      query: queryFor(params),
      id: requestId,
      // A content type on a request without a body is not an error.
      type: fc.option(contentType, { freq: 5 }),
    }).map(({ prefix, path, query, id, type }) => ({
      method,
      prefix,
      path,
      query,
      headers: { ...(id === null ? {} : { "x-request-id": id }), ...(type ? { "content-type": type } : {}) },
    }));
}

/** A route with a JSON body: the path, a query string now and then, the body and its content type. */
function withBody(
  method: string,
  path: fc.Arbitrary<string>,
  fields: Record<string, fc.Arbitrary<unknown>>,
  valid: fc.Arbitrary<Record<string, unknown>>,
  headers: fc.Arbitrary<Record<string, string>> = fc.constant({}),
): () => fc.Arbitrary<RouteRequest> {
  return () =>
    fc.record({
      prefix,
      path,
      query: fc.option(queryFor({}), { freq: 4, nil: undefined }),
      payload: bodyFor(fields, valid),
      headers,
      id: requestId,
    }).map(({ prefix, path, query, payload, headers, id }) => ({
      method,
      prefix,
      path,
      query: query ?? undefined,
      headers: {
        ...headers,
        ...(id === null ? {} : { "x-request-id": id }),
        ...(payload.type === null ? {} : { "content-type": payload.type }),
      },
      ...(payload.body === undefined ? {} : { body: payload.body }),
    }));
}

// Routes that also take a body hit a real id more often: their body is what is tested there.
const projectParam = () => pathParam(() => seed.projects, identifierLike);
const integrationParam = (realWeight = 5) => pathParam(() => seed.integrationIds, uuidLike, realWeight);
const tokenParam = () => pathParam(() => [seed.tokenId], uuidLike);
const emailParam = (realWeight = 5) => pathParam(() => seed.emails, email, realWeight);
const ifMatchHeader = fc.option(ifMatch, { freq: 3 }).map((value): Record<string, string> =>
  value === null ? {} : { "if-match": value }
);

const integrationFields = {
  provider,
  authType,
  auth_type: authType,
  credentials,
  isGlobal: fc.boolean(),
  is_global: fc.boolean(),
  projects: identifiers,
  config,
};

const ROUTES: Route[] = [
  // projects
  {
    name: "POST /projects",
    request: withBody("POST", fc.constant("/projects"), { identifier: identifierLike, remoteUrl }, validProject),
  },
  { name: "GET /projects", request: withoutBody("GET", fc.constant("/projects"), { force: fc.constant("true") }) },
  { name: "GET /projects/{identifier}", request: () => withoutBody("GET", projectParam().map((p) => `/projects/${p}`))() },
  {
    name: "DELETE /projects/{identifier}",
    request: () =>
      withoutBody("DELETE", projectParam().map((p) => `/projects/${p}`), {
        force: fc.constantFrom("true", "false", "TRUE", "1", "", "yes"),
      })(),
  },
  // integrations
  { name: "POST /integrations", request: withBody("POST", fc.constant("/integrations"), integrationFields, validIntegration) },
  { name: "GET /integrations", request: withoutBody("GET", fc.constant("/integrations"), { provider }) },
  { name: "GET /integrations/{id}", request: () => withoutBody("GET", integrationParam().map((id) => `/integrations/${id}`))() },
  {
    name: "PATCH /integrations/{id}",
    request: () =>
      withBody(
        "PATCH",
        integrationParam(20).map((id) => `/integrations/${id}`),
        {
          credentials,
          authType,
          auth_type: authType,
          config,
          isGlobal: fc.boolean(),
          is_global: fc.boolean(),
          projects: identifiers,
          version,
        },
        validPatch,
        ifMatchHeader,
      )(),
  },
  {
    name: "POST /integrations/{id}/rollback",
    request: () =>
      withBody(
        "POST",
        integrationParam(20).map((id) => `/integrations/${id}/rollback`),
        { version },
        fc.record({ version: fc.integer({ min: 1, max: 4 }) }),
        ifMatchHeader,
      )(),
  },
  {
    name: "DELETE /integrations/{id}",
    request: () => withoutBody("DELETE", integrationParam().map((id) => `/integrations/${id}`))(),
  },
  {
    name: "GET /integrations/credentials",
    request: withoutBody("GET", fc.constant("/integrations/credentials"), { provider, project: identifierLike }),
  },
  {
    name: "POST /integrations/credentials",
    request: withBody("POST", fc.constant("/integrations/credentials"), { provider, project: identifierLike }, validFilter),
  },
  // application tokens
  {
    name: "POST /application-tokens",
    request: withBody("POST", fc.constant("/application-tokens"), {
      name: fc.oneof(fc.constantFrom("ci", " ", "a".repeat(100), "a".repeat(101), "tab\there", "\u0085", "\u2028"), fc.string()),
      expiresIn: fc.oneof(fc.constantFrom(1, 30, 365, 366, 0, -1, 1.5, "30"), hostileNumber),
      projects: fc.oneof(identifiers, fc.constant(null)),
      providers: fc.oneof(providers, fc.constant(null)),
    }, validToken),
  },
  {
    name: "GET /application-tokens",
    request: withoutBody("GET", fc.constant("/application-tokens"), { limit: fc.constant("1") }),
  },
  {
    name: "DELETE /application-tokens/{id}",
    request: () => withoutBody("DELETE", tokenParam().map((id) => `/application-tokens/${id}`))(),
  },
  // users
  { name: "GET /users", request: withoutBody("GET", fc.constant("/users"), { email }) },
  { name: "GET /users/me", request: withoutBody("GET", fc.constant("/users/me"), { role }) },
  { name: "POST /users", touchesMembers: true, request: withBody("POST", fc.constant("/users"), { email, role }, validMember) },
  {
    name: "PUT /users/{email}",
    touchesMembers: true,
    request: () => withBody("PUT", emailParam(20).map((e) => `/users/${e}`), { role }, validRole)(),
  },
  {
    name: "DELETE /users/{email}",
    touchesMembers: true,
    request: () => withoutBody("DELETE", emailParam().map((e) => `/users/${e}`))(),
  },
  // audit log
  { name: "GET /audit-logs", request: withoutBody("GET", fc.constant("/audit-logs"), auditParams) },
  { name: "GET /audit-logs/export", request: withoutBody("GET", fc.constant("/audit-logs/export"), auditParams) },
  { name: "GET /audit-logs/verify", request: withoutBody("GET", fc.constant("/audit-logs/verify"), { limit: fc.constant("1") }) },
  // health
  { name: "GET /health", request: withoutBody("GET", fc.constant("/health"), { status: fc.constant("1") }) },
  { name: "GET /health/ready", request: withoutBody("GET", fc.constant("/health/ready"), { database: fc.constant("1") }) },
  { name: "GET /health/auth", request: withoutBody("GET", fc.constant("/health/auth"), { caller: fc.constant("user") }) },
];

// ---------------------------------------------------------------------------------------------
// The properties.

const REASONS: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
};

/** What a failure shows of an answer: the status and the body, cut. */
function shown(answer: Answer): string {
  return `${answer.status} ${answer.text.length > 500 ? `${answer.text.slice(0, 500)}…` : answer.text}`;
}

async function checkRoute(route: Route) {
  // The state before the next request: known after a 4xx (the snapshot that checked it), to be
  // taken again after anything else (a 2xx, or a run that failed, e.g. while shrinking).
  let known: Record<string, string> | null = await snapshot();
  let requests = 0;
  const statuses: Record<number, number> = {};
  const messages: Record<string, number> = {};

  await fc.assert(
    fc.asyncProperty(route.request(), async (request) => {
      const before = known ?? await snapshot();
      known = null;
      const answer = await send(request);
      requests++;
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      if (VERBOSE) {
        const message = (answer.body as { message?: unknown } | undefined)?.message;
        const key = `${answer.status} ${String(message ?? "").slice(0, 70)}`;
        messages[key] = (messages[key] ?? 0) + 1;
      }

      // (1) never a 5xx.
      expect(answer.status, shown(answer)).toBeLessThan(500);

      if (answer.status >= 200 && answer.status < 300) {
        if (route.touchesMembers) {
          // A 2xx may have demoted or removed the owner (after promoting someone else): the
          // requests that follow must still pass authorization.
          await stack.sql`select sfp_api.upsert_member(${stack.owner.id}::uuid, ${stack.owner.email}, 'owner')`;
        }
        return;
      }

      // (2) every other answer is the JSON error body, its statusCode the HTTP status.
      expect(answer.body, shown(answer)).toMatchObject({
        statusCode: answer.status,
        message: expect.any(String),
        error: REASONS[answer.status] ?? expect.any(String),
      });

      // (3) a 4xx changes nothing (the audit log aside).
      const after = await snapshot();
      expect(after, `state changed by a ${shown(answer)}`).toEqual(before);
      known = after;
    }),
    { numRuns: NUM_RUNS, seed: SEED },
  );
  if (VERBOSE) {
    const common = Object.entries(messages).sort(([, a], [, b]) => b - a).slice(0, 12);
    const lines = common.map(([message, count]) => `  ${count} × ${message}`);
    console.log([`${route.name} ${JSON.stringify(statuses)}`, ...lines].join("\n"));
  }
  return { requests, statuses };
}

beforeEach(async () => {
  seed = await seedData();
});

describe("the state snapshot", () => {
  // One change to each table, made and rolled back in a transaction (triggers off, as reset() does).
  const changes: Array<[table: string, change: string]> = [
    ["projects", "update sfp.projects set updated_at = updated_at + interval '1 second' where identifier = 'acme/core'"],
    ["integrations", "update sfp.integrations set config = '{\"x\": 1}' where provider = 'jira'"],
    ["credential_versions", "update sfp.credential_versions set created_at = created_at + interval '1 second' where version = 1"],
    ["integration_projects", "delete from sfp.integration_projects"],
    ["application_tokens", "update sfp.application_tokens set revoked_at = now()"],
    ["application_token_projects", "delete from sfp.application_token_projects"],
    ["members", "update sfp.members set role = 'owner' where email = 'member@example.test'"],
  ];

  it.each(changes)("sees a change to %s, and only there", async (table, change) => {
    await rolledBack(async (sql) => {
      const before = await snapshot(sql);
      await sql.unsafe(change);
      const after = await snapshot(sql);
      expect(after[table]).not.toBe(before[table]);
      expect({ ...after, [table]: null }).toEqual({ ...before, [table]: null });
    });
  });

  it("does not see an application token's last use", async () => {
    await rolledBack(async (sql) => {
      const before = await snapshot(sql);
      await sql`update sfp.application_tokens set last_used_at = now() - interval '1 minute'`;
      expect(await snapshot(sql)).toEqual(before);
    });
  });

  async function rolledBack(work: (sql: postgres.TransactionSql) => Promise<void>) {
    const rollback = new Error("rollback");
    await expect(stack.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await work(tx);
      throw rollback;
    })).rejects.toBe(rollback);
  }
});

describe("random input to every route, sent as the owner", () => {
  it.each(ROUTES.map((route) => [route.name, route] as const))(
    "%s: never 5xx, errors are {statusCode, message, error}, a 4xx changes nothing",
    async (_, route) => {
      const { requests } = await checkRoute(route);
      expect(requests).toBeGreaterThanOrEqual(NUM_RUNS);
    },
    60_000,
  );
});
