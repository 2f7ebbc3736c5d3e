/** What the global setup hands every test file about the PostgreSQL server under test. */
export interface ServerInfo {
  /** Superuser URL of the server (any database). */
  superuserUrl: string;
  /** Database with bootstrap and migrations applied, cloned for each test file. */
  template: string;
  /** The password `authenticator` logs in with. */
  authenticatorPassword: string;
  /** The server's log file, when the tests can read it. */
  logFile?: string;
  /** The cluster's data folder (embedded server only). */
  dataDir?: string;
  embedded: boolean;
}
