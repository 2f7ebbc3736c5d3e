/**
 * Jira Cloud's issue search, with a credential the sfp server stored: `POST
 * /rest/api/3/search/jql` ({jql, maxResults, fields, nextPageToken} → {issues, nextPageToken,
 * isLast}), page after page until the limit or the last page.
 *
 * Where the requests go: the credential's own address (`base_url` of basic_auth and pat; for
 * oauth, Atlassian's API gateway with the credential's `cloud_id`), never an address from the
 * project's configuration, which more people can read and change than the credential: a
 * credential is sent only where its owner stored it with it. The configuration's `baseUrl` only
 * makes the issues' links.
 */
import type { Credentials } from "../client/index.ts";
import { CliError } from "./errors.ts";
import { outboundUrl, requestJson } from "./outbound.ts";

/** How to call Jira with one stored credential. */
export interface JiraAccess {
  /** The site's REST root (`https://acme.atlassian.net`, or the gateway's `.../ex/jira/<cloud_id>`). */
  apiBase: URL;
  /** Where people open an issue: `<site>/browse`, when the site is known. */
  browseBase: string | null;
  authorization: string;
  /** The credential's values, kept out of every message (redact). */
  secrets: string[];
}

const GATEWAY = "https://api.atlassian.com/ex/jira";

/** The access a stored Jira credential (a read of GET /integrations/credentials) gives. */
export function jiraAccess(credential: Credentials, now = new Date()): JiraAccess {
  const values = credential.credentials as Record<string, unknown>;
  const text = (key: string) => (typeof values[key] === "string" ? values[key] as string : "");
  const where = `the Jira base_url of integration ${credential.integration_id}`;
  const secrets = Object.values(values).filter((value): value is string => typeof value === "string" && value.length >= 4);
  switch (credential.auth_type) {
    case "basic_auth": {
      const apiBase = outboundUrl(text("base_url"), where);
      const basic = Buffer.from(`${text("username")}:${text("api_token")}`, "utf8").toString("base64");
      return { apiBase, browseBase: `${stripSlash(apiBase.href)}/browse`, authorization: `Basic ${basic}`, secrets: [...secrets, basic] };
    }
    case "pat": {
      const apiBase = outboundUrl(text("base_url"), where);
      return { apiBase, browseBase: `${stripSlash(apiBase.href)}/browse`, authorization: `Bearer ${text("token")}`, secrets };
    }
    case "oauth": {
      const cloudId = text("cloud_id");
      if (!/^[A-Za-z0-9-]{1,64}$/.test(cloudId)) {
        throw new CliError(`The Jira OAuth credential of integration ${credential.integration_id} has no cloud_id: add it (the site's cloud id) to reach Jira through Atlassian's API`);
      }
      const expiresAt = text("expires_at");
      if (expiresAt && Date.parse(expiresAt) <= now.getTime()) {
        throw new CliError(`The Jira OAuth access token of integration ${credential.integration_id} expired at ${expiresAt}: store a new one (PATCH /sfp/api/integrations/${credential.integration_id})`);
      }
      return { apiBase: new URL(`${GATEWAY}/${cloudId}`), browseBase: null, authorization: `Bearer ${text("access_token")}`, secrets };
    }
    default:
      throw new CliError(`Integration ${credential.integration_id} has auth type '${credential.auth_type}', which this CLI cannot use with Jira`);
  }
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** `text` with every secret replaced by "***": for anything Jira says that is printed. */
export function redact(text: string, secrets: readonly string[]): string {
  return secrets.reduce((result, secret) => result.split(secret).join("***"), text);
}

/** An issue as the CLI shows it. */
export interface WorkItem {
  key: string;
  type: string | null;
  status: string | null;
  assignee: string | null;
  summary: string;
  url: string | null;
}

interface JiraIssue {
  key: string;
  fields?: {
    summary?: string;
    status?: { name?: string } | null;
    issuetype?: { name?: string } | null;
    assignee?: { displayName?: string } | null;
  };
}

const FIELDS = ["summary", "status", "issuetype", "assignee"];
const SEARCH_PATH = "rest/api/3/search/jql";

/**
 * Up to `limit` issues matching `jql`, in Jira's order: each request asks for what is still
 * missing, and Jira may answer fewer (its pages are its own), so pages are followed with
 * nextPageToken. `linkBase` (the configuration's `baseUrl`, else the site's /browse) makes each
 * issue's url; `onPage` hears the count after each page (the spinner's label).
 */
export async function searchIssues(
  access: JiraAccess,
  jql: string,
  limit: number,
  linkBase: string | null,
  onPage: (count: number) => void = () => {},
): Promise<WorkItem[]> {
  const url = new URL(SEARCH_PATH, `${stripSlash(access.apiBase.href)}/`);
  const items: WorkItem[] = [];
  const seen = new Set<string>();
  let nextPageToken: string | undefined;
  while (items.length < limit) {
    const answer = await requestJson("Jira", url, {
      method: "POST",
      headers: { Authorization: access.authorization },
      body: { jql, maxResults: limit - items.length, fields: FIELDS, ...(nextPageToken ? { nextPageToken } : {}) },
    });
    if (answer.status !== 200) throw new CliError(redact(jiraRefusal(answer.status, answer.headers, answer.body, url), access.secrets));
    const page = answer.body as { issues?: unknown; nextPageToken?: unknown; isLast?: unknown } | undefined;
    if (!page || !Array.isArray(page.issues)) throw new CliError(`Jira at ${url.origin} answered without a list of issues: is base_url a Jira site?`);
    for (const issue of page.issues as JiraIssue[]) {
      if (items.length >= limit) break;
      items.push(workItem(issue, linkBase));
    }
    onPage(items.length);
    const token = typeof page.nextPageToken === "string" && page.nextPageToken !== "" ? page.nextPageToken : undefined;
    if (page.isLast === true || token === undefined || page.issues.length === 0) break;
    // A token seen before would page for ever.
    if (seen.has(token)) throw new CliError(`Jira at ${url.origin} answered the same page token twice: stopped`);
    seen.add(token);
    nextPageToken = token;
  }
  return items;
}

function workItem(issue: JiraIssue, linkBase: string | null): WorkItem {
  const fields = issue.fields ?? {};
  const key = String(issue.key);
  return {
    key,
    type: fields.issuetype?.name ?? null,
    status: fields.status?.name ?? null,
    assignee: fields.assignee?.displayName ?? null,
    summary: fields.summary ?? "",
    url: linkBase ? `${stripSlash(linkBase)}/${encodeURIComponent(key)}` : null,
  };
}

/** What a non-200 answer of the search means, in one line (Jira's own messages included, cut short). */
function jiraRefusal(status: number, headers: Headers, body: unknown, url: URL): string {
  const said = jiraMessages(body);
  switch (status) {
    case 400:
      return `Jira refused the search (400)${said ? `: ${said}` : ""}`;
    case 401:
      return "Jira refused the stored credential (401): store a valid one in the Jira integration";
    case 403:
      return `Jira denied the search (403)${said ? `: ${said}` : ""}: the credential's user may not browse these projects`;
    case 404:
      return `Jira answered 404 at ${url.origin}${url.pathname}: check the integration's base_url (Jira Cloud's REST API v3)`;
    case 429:
      return `Jira is limiting requests (429): retry${headers.get("retry-after") ? ` in ${headers.get("retry-after")} s` : " later"}`;
    default:
      return `Jira failed (${status})${said ? `: ${said}` : ""}`;
  }
}

/** Jira's error body ({errorMessages, errors}) as one short line. */
function jiraMessages(body: unknown): string {
  if (typeof body !== "object" || body === null) return "";
  const { errorMessages, errors } = body as { errorMessages?: unknown; errors?: unknown };
  const messages = [
    ...(Array.isArray(errorMessages) ? errorMessages.filter((m): m is string => typeof m === "string") : []),
    ...(typeof errors === "object" && errors !== null ? Object.values(errors).filter((m): m is string => typeof m === "string") : []),
  ];
  const line = messages.join("; ");
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
