/**
 * A stand-in for something a beforeAll hook creates (a test stack, a connection), to hand out
 * when the hook is registered: test bodies and later hooks use it as the thing itself. Every
 * property read, and every call (a postgres.Sql is a tagged template), goes to what `current`
 * returns then; before the hook has run, that is an error naming `name`.
 */
export function startedHandle<T extends object>(name: string, current: () => T | undefined): T {
  const started = (): T => {
    const value = current();
    if (value === undefined) {
      throw new Error(`${name} is not started yet: use it in a test or a hook, not while the file is collected`);
    }
    return value;
  };
  // An arrow function as the target, so that the handle can be called like a postgres.Sql.
  return new Proxy((() => {}) as unknown as T, {
    get: (_, property) => Reflect.get(started(), property),
    apply: (_, thisArg, args) => Reflect.apply(started() as (...args: unknown[]) => unknown, thisArg, args),
  });
}
