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
  /** What the sfp_api functions take as `keyring` (sent as a jsonb parameter). */
  sqlArgument: { current: number; keys: Record<string, string> };
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
  return { current: chosen, versions, sqlArgument: { current: chosen, keys } };
}
