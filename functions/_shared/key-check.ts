/**
 * The check value of an encryption key: what sfp.key_checks stores for each key version, so a
 * key that is not the one the database was encrypted with is recognised without decrypting
 * anything. HMAC-SHA256 with the 32-byte master key as the HMAC key over the UTF-8 bytes of
 * KEY_CHECK_LABEL; in SQL (pgcrypto):
 *   extensions.hmac(convert_to('sfp-key-check-v1', 'UTF8'), <master key bytea>, 'sha256')
 * Web Crypto only, so Node (stack/, commands/, tests) and Deno (the functions) share it. The
 * value reveals nothing about the key; no error here quotes one.
 */
export const KEY_CHECK_LABEL = "sfp-key-check-v1";

/** The check value (32 bytes) of a master key given as base64 of 32 bytes, as in SFP_ENCRYPTION_KEYS. */
export async function keyCheckValue(base64Key: string): Promise<Uint8Array> {
  const key = decodeKey(base64Key);
  const hmacKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(KEY_CHECK_LABEL)));
}

function decodeKey(base64Key: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(base64Key.trim())) throw new Error("An encryption key must be base64 of 32 bytes");
  return Uint8Array.from(atob(base64Key.trim()), (char) => char.charCodeAt(0));
}
