/**
 * Reads `read()` until `done` holds for what it returned or `timeoutMs` has passed, waiting
 * `everyMs` between reads, and returns the last value read: the caller asserts on it, so that a
 * timeout fails with what was seen last.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs, everyMs }: { timeoutMs: number; everyMs: number },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
