/**
 * A TCP connection to the first of a call's checked addresses that accepts one, within the
 * connect timeout: what outbound.ts's probe and pinned-proxy.ts's tunnels both open.
 */

/** Why no connection could be opened, for outbound.ts to word. */
export type ConnectFailure = "connect_timeout" | "refused" | "unreachable";

/**
 * Tries `addresses` in order (as given: IPv4 first). `signal` ends the attempt early (the
 * call's deadline, or its end); the result then says "unreachable", and the caller, which
 * knows why it stopped, words it. "refused" when the last address tried refused.
 */
export async function firstConnection(
  addresses: string[],
  port: number,
  connectTimeoutMs: number,
  signal: AbortSignal,
): Promise<{ connection: Deno.Conn } | { failure: ConnectFailure }> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), connectTimeoutMs);
  const either = AbortSignal.any([timeout.signal, signal]);
  let last: unknown;
  try {
    for (const hostname of addresses) {
      try {
        return { connection: await Deno.connect({ hostname, port, signal: either }) };
      } catch (error) {
        last = error;
        if (either.aborted) break;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  if (timeout.signal.aborted) return { failure: "connect_timeout" };
  return { failure: last instanceof Deno.errors.ConnectionRefused ? "refused" : "unreachable" };
}
