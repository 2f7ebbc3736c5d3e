import { checkOutboundUrl, OutboundError, type OutboundPolicy } from "../_shared/outbound.ts";
import { CONFIG_KEYS, type ConfigKey } from "../_shared/providers.ts";

// Where an integration's calls go: its config's URLs (every config key the catalogue knows is
// one), and a base URL among its credentials (Jira).
const CONFIG_URLS = Object.keys(CONFIG_KEYS) as ConfigKey[];

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

/**
 * The first config URL a change moves, when it sends no credentials: the stored ones would go
 * to the new address (to a token endpoint, or as a bearer to an API), so an owner who does not
 * hold them could collect them. Such a change must carry the credentials (400 otherwise).
 */
export function movedTargetWithoutCredentials(
  current: Record<string, unknown>,
  change: { credentials?: unknown; config?: Record<string, unknown> },
): string | null {
  if (change.credentials !== undefined || change.config === undefined) return null;
  const moved = CONFIG_URLS.find((key) => (change.config?.[key] ?? null) !== (current[key] ?? null));
  return moved ? `config.${moved} can only change together with credentials: the stored ones would be sent to the new address` : null;
}
