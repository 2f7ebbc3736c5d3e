/**
 * A small stand-in for Jira Cloud's issue search, for the CLI's `work-items list`: it follows
 * the documented `POST /rest/api/3/search/jql` (REST API v3, "enhanced search"):
 *   request   Authorization: Basic base64(<email>:<api token>); JSON {jql, maxResults?, fields?,
 *             nextPageToken?} (an unknown property, e.g. the retired startAt, is refused)
 *   answer    {issues: [{id, key, self, fields: {<the fields asked for>}}], nextPageToken?, isLast}
 *             (nextPageToken only while more pages follow)
 *   refusals  401 without valid credentials, 400 {errorMessages, errors} for a bad payload or JQL
 * It understands the JQL the CLI writes (`matcher` below): `project in ("A", "B")`, then any of
 * status, issuetype and assignee conditions and `(status = X)` or `(status != X)`, joined by AND,
 * then `ORDER BY updated DESC`; issues come in the order given (most recently updated first).
 * Every request is recorded.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface JiraIssueFixture {
  key: string;
  summary: string;
  status: string;
  type: string;
  assignee: string | null;
}

export interface JiraRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface FakeJira {
  /** http://127.0.0.1:<port>: the site's base URL, as a credential's base_url holds it. */
  url: string;
  requests: JiraRequest[];
  /** Answers every later request with this status and body instead (e.g. 500, 429), until heal(). */
  failWith(status: number, body: unknown, headers?: Record<string, string>): void;
  heal(): void;
  stop(): Promise<void>;
}

export interface FakeJiraOptions {
  username: string;
  apiToken: string;
  issues: JiraIssueFixture[];
  /** The most issues one answer holds, whatever maxResults asks (Jira may return fewer). */
  pageSize?: number;
  /** The display name of the credential's user, whom `currentUser()` names. */
  currentUser?: string;
}

const SEARCH_PATH = "/rest/api/3/search/jql";
const KNOWN_FIELDS = new Set(["jql", "maxResults", "fields", "nextPageToken", "expand", "properties", "fieldsByKeys", "reconcileIssues"]);
const INVALID_PAYLOAD = "Invalid request payload. Refer to the REST API documentation and try again.";
const NOT_AUTHENTICATED = "You are not authenticated. Authentication required to perform this operation.";

export async function startFakeJira(options: FakeJiraOptions): Promise<FakeJira> {
  const { username, apiToken, issues, pageSize = 50, currentUser } = options;
  const expectedAuthorization = `Basic ${Buffer.from(`${username}:${apiToken}`).toString("base64")}`;
  const requests: JiraRequest[] = [];
  let failure: { status: number; body: unknown; headers: Record<string, string> } | undefined;

  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const text = await new Promise<string>((resolve) => {
      let data = "";
      request.setEncoding("utf8").on("data", (chunk: string) => (data += chunk)).on("end", () => resolve(data));
    });
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const path = new URL(request.url ?? "/", "http://jira").pathname;
    requests.push({ method: request.method ?? "", path, authorization: request.headers.authorization, body });

    const answer = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { "content-type": "application/json;charset=UTF-8", ...headers });
      response.end(JSON.stringify(payload));
    };
    const refuse = (status: number, ...errorMessages: string[]) => answer(status, { errorMessages, errors: {} });

    if (failure) return answer(failure.status, failure.body, failure.headers);
    if (request.method !== "POST" || path !== SEARCH_PATH) return refuse(404, "Not found");
    if (request.headers.authorization !== expectedAuthorization) return refuse(401, NOT_AUTHENTICATED);
    if (!/^application\/json/.test(request.headers["content-type"] ?? "")) return refuse(415, "Unsupported Media Type");
    if (typeof body !== "object" || body === null || Array.isArray(body)) return refuse(400, INVALID_PAYLOAD);
    const search = body as Record<string, unknown>;
    if (Object.keys(search).some((key) => !KNOWN_FIELDS.has(key)) || typeof search.jql !== "string") {
      return refuse(400, INVALID_PAYLOAD);
    }
    const maxResults = search.maxResults ?? 50;
    if (!Number.isInteger(maxResults) || (maxResults as number) < 0 || (maxResults as number) > 5000) return refuse(400, INVALID_PAYLOAD);
    const fields = search.fields ?? ["*navigable"];
    if (!Array.isArray(fields) || fields.some((field) => typeof field !== "string")) return refuse(400, INVALID_PAYLOAD);

    const matches = matcher(search.jql, currentUser);
    if (typeof matches === "string") return refuse(400, matches);
    let offset = 0;
    if (search.nextPageToken !== undefined) {
      const token = readPageToken(search.nextPageToken, search.jql);
      if (token === null) return refuse(400, "The provided next page token is invalid or expired.");
      offset = token;
    }
    const found = issues.filter(matches);
    const page = found.slice(offset, offset + Math.min(maxResults as number, pageSize));
    const next = offset + page.length;
    const isLast = next >= found.length;
    answer(200, {
      issues: page.map((issue, index) => ({
        id: String(10000 + offset + index),
        key: issue.key,
        self: `http://127.0.0.1/rest/api/3/issue/${10000 + offset + index}`,
        fields: pick(issue, fields as string[]),
      })),
      ...(isLast ? {} : { nextPageToken: pageToken(next, search.jql) }),
      isLast,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failWith(status, body, headers = {}) {
      failure = { status, body, headers };
    },
    heal() {
      failure = undefined;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The issue's fields as Jira returns them, only those asked for. */
function pick(issue: JiraIssueFixture, fields: string[]): Record<string, unknown> {
  const all: Record<string, unknown> = {
    summary: issue.summary,
    status: { name: issue.status, statusCategory: { key: issue.status === "Done" ? "done" : "indeterminate" } },
    issuetype: { name: issue.type, subtask: false },
    assignee: issue.assignee === null ? null : { displayName: issue.assignee, accountId: accountId(issue.assignee) },
  };
  const wanted = fields.includes("*navigable") || fields.includes("*all") ? Object.keys(all) : fields;
  return Object.fromEntries(Object.entries(all).filter(([name]) => wanted.includes(name)));
}

type IssueFilter = (issue: JiraIssueFixture) => boolean;

/** A JQL string list: `"A", "B \"quoted\""`. */
function jqlStrings(list: string): string[] {
  return [...list.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1].replace(/\\(.)/g, "$1"));
}

/**
 * The conditions the CLI writes, each a filter: `project in (...)` (always first), `status in
 * (...)`, `issuetype in (...)`, `assignee = currentUser()` / `is EMPTY` / `= "<account id>"`,
 * and a condition of the user's in parentheses, of which this server understands `status = X`
 * and `status != X`.
 */
const CONDITIONS: { pattern: RegExp; filter: (match: RegExpExecArray, currentUser: string | undefined) => IssueFilter | string }[] = [
  {
    pattern: /^project in \(((?:"[A-Z][A-Z0-9_]*"(?:, )?)+)\)/,
    filter: (match) => (issue) => jqlStrings(match[1]).includes(issue.key.split("-")[0]),
  },
  { pattern: /^status in \(([^)]+)\)/, filter: (match) => (issue) => jqlStrings(match[1]).includes(issue.status) },
  { pattern: /^issuetype in \(([^)]+)\)/, filter: (match) => (issue) => jqlStrings(match[1]).includes(issue.type) },
  { pattern: /^assignee = currentUser\(\)/, filter: (_, currentUser) => (issue) => issue.assignee !== null && issue.assignee === currentUser },
  { pattern: /^assignee is EMPTY/, filter: () => (issue) => issue.assignee === null },
  { pattern: /^assignee = "([^"]+)"/, filter: (match) => (issue) => issue.assignee !== null && accountId(issue.assignee) === match[1] },
  {
    pattern: /^\((.+)\)(?= ORDER BY)/,
    filter: (match) => {
      const condition = /^status (=|!=) "?([^"]+)"?$/.exec(match[1]);
      if (!condition) return `Error in the JQL Query: this test server understands only status = X or status != X, not: ${match[1]}`;
      const [, operator, status] = condition;
      return (issue) => (operator === "=" ? issue.status === status : issue.status !== status);
    },
  },
];

/** A filter for the JQL the CLI writes (conditions joined by AND, then ORDER BY updated DESC), or Jira's message for any other JQL. */
function matcher(jql: string, currentUser: string | undefined): IssueFilter | string {
  const unparsable = `Error in the JQL Query: the query could not be parsed: ${jql}`;
  const filters: IssueFilter[] = [];
  let rest = jql;
  while (!rest.startsWith(" ORDER BY")) {
    if (filters.length > 0) {
      if (!rest.startsWith(" AND ")) return unparsable;
      rest = rest.slice(" AND ".length);
    }
    // The project condition comes first; every other one after it.
    const candidates = filters.length === 0 ? CONDITIONS.slice(0, 1) : CONDITIONS.slice(1);
    const found = candidates.map((condition) => ({ condition, match: condition.pattern.exec(rest) })).find(({ match }) => match !== null);
    if (!found) return unparsable;
    const filter = found.condition.filter(found.match!, currentUser);
    if (typeof filter === "string") return filter;
    filters.push(filter);
    rest = rest.slice(found.match![0].length);
  }
  if (rest !== " ORDER BY updated DESC") return unparsable;
  return (issue) => filters.every((filter) => filter(issue));
}

/** The account id this server gives a display name ("Ada Lovelace" → "acc-ada-lovelace"). */
export function accountId(displayName: string): string {
  return `acc-${displayName.toLowerCase().replaceAll(" ", "-")}`;
}

function pageToken(offset: number, jql: string): string {
  return Buffer.from(JSON.stringify({ offset, jql })).toString("base64url");
}

/** The offset a page token stands for, or null when it is not one of this search's. */
function readPageToken(token: unknown, jql: string): number | null {
  if (typeof token !== "string") return null;
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { offset?: unknown; jql?: unknown };
    return parsed.jql === jql && Number.isInteger(parsed.offset) ? parsed.offset as number : null;
  } catch {
    return null;
  }
}
