import { z } from "zod";

/**
 * The encryption key ring, from SFP_ENCRYPTION_KEYS: comma-separated `<version>:<base64 of
 * 32 random bytes>` entries, e.g. "1:3q2+7w...=,2:ZmFrZ...=". New writes use the highest
 * version unless SFP_ENCRYPTION_KEY_CURRENT names another. The ring is handed to SQL as the
 * JSON the sfp_api functions take ({"current": n, "keys": {"n": "<base64>"}}); it is never
 * logged, and no error message here quotes a key.
 */
export interface KeyRing {
  current: number;
  versions: number[];
  /**
   * What the sfp_api functions take as `keyring` (sent as a jsonb parameter), holding only
   * the keys of `versions` (default: the current one) and, as `available`, the version
   * numbers of the whole ring: a function that meets a row under another available version
   * asks for it (SFK03, see neededKeyVersions) instead of failing. One call so never carries
   * a key it does not need, and an exposure of one call cannot reveal retired or unrelated keys.
   */
  sqlArgument(versions?: number[]): KeyRingArgument;
}

export interface KeyRingArgument {
  current: number;
  keys: Record<string, string>;
  available: number[];
}

const entry = z.string().regex(/^\s*\d{1,9}\s*:\s*[A-Za-z0-9+/]{43}=\s*$/, {
  message: "each entry must be <version>:<base64 of 32 bytes>",
});

export function parseKeyRing(value: string | undefined, current?: string): KeyRing {
  if (!value) throw new Error("SFP_ENCRYPTION_KEYS is not set");
  const keys: Record<string, string> = {};
  for (const [index, raw] of value.split(",").entries()) {
    // Report the position only: the entry itself may be a key.
    if (!entry.safeParse(raw).success) {
      throw new Error(`SFP_ENCRYPTION_KEYS entry ${index + 1} is not <version>:<base64 of 32 bytes>`);
    }
    const [version, key] = raw.split(":").map((part) => part.trim());
    const normalized = String(Number(version));
    if (normalized in keys) throw new Error(`SFP_ENCRYPTION_KEYS lists version ${normalized} twice`);
    keys[normalized] = key;
  }
  const versions = Object.keys(keys).map(Number).sort((a, b) => a - b);
  const chosen = current ? Number(current) : versions[versions.length - 1];
  if (!versions.includes(chosen)) {
    throw new Error(`SFP_ENCRYPTION_KEY_CURRENT names version ${current}, which SFP_ENCRYPTION_KEYS does not hold`);
  }
  return {
    current: chosen,
    versions,
    sqlArgument: (wanted = [chosen]) => ({
      current: chosen,
      keys: Object.fromEntries(wanted.filter((version) => String(version) in keys).map((version) => [String(version), keys[version]])),
      available: versions,
    }),
  };
}

/**
 * The key versions a call asked for when it failed with SFK03 (it met rows under versions of
 * the ring it was not given; the DETAIL lists them as JSON), else null.
 */
export function neededKeyVersions(error: unknown): number[] | null {
  const { code, detail } = error as { code?: unknown; detail?: unknown };
  if (code !== "SFK03" || typeof detail !== "string") return null;
  try {
    const versions = (JSON.parse(detail) as { key_versions?: unknown }).key_versions;
    return Array.isArray(versions) && versions.every(Number.isInteger) ? versions as number[] : null;
  } catch {
    return null;
  }
}

/**
 * Runs `call` with the key ring's current key, and again with the versions it asks for
 * (SFK03) added, until it needs none it was not given. Each attempt is its own transaction;
 * a refused attempt wrote nothing (SFK03 is raised before anything is decrypted or written).
 */
export async function withNeededKeys<T>(ring: KeyRing, call: (keyring: KeyRingArgument) => Promise<T>): Promise<T> {
  let versions = [ring.current];
  for (;;) {
    try {
      return await call(ring.sqlArgument(versions));
    } catch (error) {
      const needed = neededKeyVersions(error)?.filter((version) => ring.versions.includes(version) && !versions.includes(version));
      if (!needed?.length) throw error;
      versions = [...versions, ...needed];
    }
  }
}
