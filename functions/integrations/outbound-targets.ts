import { checkOutboundUrl, OutboundError, type OutboundPolicy } from "../_shared/outbound.ts";

// Where an integration's calls go: its config's URLs, and a base URL among its credentials (Jira).
const CONFIG_URLS = ["apiUrl", "baseUrl", "tokenUrl"] as const;

/**
 * Why an integration's URLs break the outbound rules (outbound.ts: https, or the test
 * loopback), as a 400 message naming the first that does, or null. Checked when credentials
 * or config are stored, so an integration that could never be called is refused at once.
 */
export function outboundTargetProblem(
  given: { credentials?: Record<string, unknown>; config?: Record<string, unknown> },
  policy: OutboundPolicy,
): string | null {
  const targets: [string, unknown][] = [
    ...CONFIG_URLS.map((key): [string, unknown] => [`config: ${key}`, given.config?.[key]]),
    ["credentials: base_url", given.credentials?.base_url],
  ];
  for (const [name, value] of targets) {
    if (typeof value !== "string") continue;
    try {
      checkOutboundUrl(value, policy);
    } catch (error) {
      if (error instanceof OutboundError) return `${name}: ${error.message}`;
      throw error;
    }
  }
  return null;
}
