/**
 * How the CLI reaches the server and says when it cannot: the URL and token from an option,
 * the environment or the saved configuration (in that order); `sfp server auth login` checks the
 * token (from --token or stdin) and saves both readable by the user only, `auth clear` removes
 * them, and a configuration others can read is refused; one line on stderr and exit 1 for an
 * unreachable server, a URL
 * that is not an sfp server, an expired or refused token; exit 2 for a wrong command line;
 * no token ever printed.
 */
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freePort } from "../../stack/addresses.ts";
import { userToken } from "../../stack/tokens.ts";
import { cliHome, sfp } from "../support/cli.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

let home: ReturnType<typeof cliHome>;
beforeEach(() => {
  home = cliHome();
});
afterEach(() => home.remove());

const configFile = () => join(home.configDir, "config.json");
const asOwner = () => ({ SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: stack.owner.token });
const REFUSED_TOKEN_HINT = "store a valid token with sfp server auth login, or pass one with -t/--application-token";

describe("sfp server auth login / clear", () => {
  it("login --token-stdin checks the token, saves URL and token readable by the user only; later commands need neither; clear removes them", async () => {
    const login = await sfp(home.dir, ["server", "auth", "login", "--sfp-server-url", stack.url, "--token-stdin"], { input: `${stack.owner.token}\n` });
    expect(login).toEqual({
      code: 0,
      stdout: `Signed in to ${stack.url} as owner@example.test (owner); saved in ${configFile()}\n`,
      stderr: "",
    });
    // The URL and the token the user stored, nothing else.
    expect(JSON.parse(readFileSync(configFile(), "utf8"))).toEqual({ serverUrl: stack.url, token: stack.owner.token });
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    expect(statSync(home.configDir).mode & 0o777).toBe(0o700);

    const whoami = await sfp(home.dir, ["server", "whoami"]);
    expect(whoami).toEqual({
      code: 0,
      stdout: `server  ${stack.url}\ncaller  owner@example.test (owner)\nrole    owner\n`,
      stderr: "",
    });

    expect(await sfp(home.dir, ["server", "auth", "clear"])).toEqual({ code: 0, stdout: `Removed ${configFile()}\n`, stderr: "" });
    expect(existsSync(configFile())).toBe(false);
    expect(await sfp(home.dir, ["server", "auth", "clear", "--json"])).toEqual({
      code: 0, stdout: `{\n  "removed": false,\n  "config": ${JSON.stringify(configFile())}\n}\n`, stderr: "",
    });
    expect(await sfp(home.dir, ["server", "whoami"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: no sfp server URL: pass --sfp-server-url, set SFP_SERVER_URL, or run sfp server auth login\n",
    });
  });

  it("login --token takes the token from the flag (URL from SFP_SERVER_URL); --json names the caller, never the token", async () => {
    const login = await sfp(home.dir, ["server", "auth", "login", "--token", stack.member.token, "--json"], { env: { SFP_SERVER_URL: stack.url } });
    expect(login.code).toBe(0);
    expect(JSON.parse(login.stdout)).toEqual({
      serverUrl: stack.url,
      caller: { type: "user", user_id: stack.member.id, email: stack.member.email, role: "member" },
      config: configFile(),
    });
    expect(login.stdout).not.toContain(stack.member.token);
    expect(JSON.parse(readFileSync(configFile(), "utf8"))).toEqual({ serverUrl: stack.url, token: stack.member.token });
  });

  it("login's --help shows where the token is saved", async () => {
    const help = await sfp(home.dir, ["server", "auth", "login", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout.replaceAll(/\s+/g, " ")).toContain(`saves the server's URL and the token in ${configFile()} (mode 0600: readable by you only)`);
  });

  it("login with a refused token saves nothing, and says why in one line", async () => {
    const result = await sfp(home.dir, ["server", "auth", "login", "--sfp-server-url", stack.url, "--token", "not-a-token"]);
    expect(result).toEqual({ code: 1, stdout: "", stderr: `error: Invalid token: not a JWT (401 Unauthorized): ${REFUSED_TOKEN_HINT}\n` });
    expect(existsSync(configFile())).toBe(false);
  });

  it.each([
    ["no token", [], "", "error: give --token <token> or --token-stdin\n"],
    ["an empty stdin", ["--token-stdin"], "\n", "error: --token-stdin: stdin held no token\n"],
    ["both", ["--token", "x", "--token-stdin"], "", "error: option '--token-stdin' cannot be used with option '--token <token>'\n"],
  ])("login with %s: a usage error, exit 2, nothing saved", async (_, args, input, stderr) => {
    expect(await sfp(home.dir, ["server", "auth", "login", "--sfp-server-url", stack.url, ...args], { input })).toEqual({ code: 2, stdout: "", stderr });
    expect(existsSync(configFile())).toBe(false);
  });

  it("the first version's login and logout are gone", async () => {
    expect(await sfp(home.dir, ["server", "login"])).toEqual({ code: 2, stdout: "", stderr: "error: unknown command 'login'\n" });
  });

  it("an option beats the environment, which beats the saved configuration", async () => {
    await sfp(home.dir, ["server", "auth", "login", "--sfp-server-url", stack.url, "--token", stack.member.token]);
    const whoami = (env: Record<string, string>, args: string[] = []) =>
      sfp(home.dir, ["server", "whoami", "--json", ...args], { env }).then((result) => JSON.parse(result.stdout).email);

    expect(await whoami({})).toBe("member@example.test");
    expect(await whoami({ SFP_SERVER_TOKEN: stack.owner.token })).toBe("owner@example.test");
    expect(await whoami({ SFP_SERVER_TOKEN: stack.owner.token }, ["-t", stack.outsider.token])).toBe("outsider@example.test");
  });

  it("refuses a configuration file other users can read, naming the fix", async () => {
    await sfp(home.dir, ["server", "auth", "login", "--sfp-server-url", stack.url, "--token", stack.owner.token]);
    chmodSync(configFile(), 0o644);
    expect(await sfp(home.dir, ["server", "whoami"])).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: ${configFile()} can be read by other users (mode 644): run chmod 600 ${configFile()}\n`,
    });
  });

  it("refuses a configuration file that is not JSON, without printing it", async () => {
    await sfp(home.dir, ["server", "auth", "login", "--sfp-server-url", stack.url, "--token", stack.owner.token]);
    writeFileSync(configFile(), `{"token": "${stack.owner.token}"`, { mode: 0o600 });
    const result = await sfp(home.dir, ["server", "whoami"]);
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: ${configFile()} is not valid JSON: fix it, or run sfp server auth clear and sfp server auth login\n`,
    });
  });

  it("honours XDG_CONFIG_HOME when SFP_CONFIG_DIR is not set, and shows the path in --help", async () => {
    const env = { SFP_CONFIG_DIR: "", XDG_CONFIG_HOME: join(home.dir, "xdg") };
    await sfp(home.dir, ["server", "auth", "login", "--sfp-server-url", stack.url, "--token", stack.owner.token], { env });
    expect(statSync(join(home.dir, "xdg", "sfp", "config.json")).mode & 0o777).toBe(0o600);
    expect((await sfp(home.dir, ["--help"], { env })).stdout).toContain(`  ${join(home.dir, "xdg", "sfp", "config.json")}\n`);
  });
});

describe("one line when the server cannot be used", () => {
  it("an unreachable server", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    expect(await sfp(home.dir, ["server", "project", "list"], { env: { SFP_SERVER_URL: url, SFP_SERVER_TOKEN: stack.owner.token } }))
      .toEqual({ code: 1, stdout: "", stderr: `error: cannot reach the sfp server at ${url}: connection refused\n` });
  });

  it("a URL that is not an sfp server: another server's 404 page, or a page that is not JSON", async () => {
    const other = createServer((request, response) => {
      if (request.url?.startsWith("/sfp/api/projects")) {
        response.writeHead(200, { "content-type": "application/json" }).end("<html>a web page</html>");
      } else response.writeHead(404, { "content-type": "text/html" }).end("<html>Not Found</html>");
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      const env = { SFP_SERVER_URL: url, SFP_SERVER_TOKEN: stack.owner.token };
      expect(await sfp(home.dir, ["server", "whoami"], { env })).toEqual({
        code: 1,
        stdout: "",
        stderr: `error: ${url} does not look like an sfp server (it answered 404 without the API's error body): check --sfp-server-url\n`,
      });
      expect(await sfp(home.dir, ["server", "project", "list"], { env })).toEqual({
        code: 1,
        stdout: "",
        stderr: `error: ${url} does not look like an sfp server (it answered with something that is not JSON): check --sfp-server-url\n`,
      });
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it("an expired token", async () => {
    const expired = await userToken(stack.jwtSecret, stack.owner, Math.floor(Date.now() / 1000) - 60);
    expect(await sfp(home.dir, ["server", "project", "list"], { env: { SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: expired } }))
      .toEqual({ code: 1, stdout: "", stderr: `error: Invalid token: expired (401 Unauthorized): ${REFUSED_TOKEN_HINT}\n` });
  });

  it("no token", async () => {
    expect(await sfp(home.dir, ["server", "project", "list"], { env: { SFP_SERVER_URL: stack.url } })).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: no token: pass -t/--application-token, set SFP_SERVER_TOKEN, or run sfp server auth login\n",
    });
  });

  it.each([
    ["not a URL", "sfp.example.com", "error: --sfp-server-url is not a URL: give the server's address, e.g. https://sfp.example.com\n"],
    ["plain http to another machine", "http://sfp.example.com",
      "error: --sfp-server-url must be an https:// URL (http:// only for this machine: the token would travel in clear text)\n"],
    ["a user name and password in it", "https://me:secret@sfp.example.com",
      "error: --sfp-server-url must not hold a user name or password: pass the token with --application-token\n"],
  ])("a server URL that is %s, refused before any request", async (_, url, stderr) => {
    expect(await sfp(home.dir, ["server", "whoami", "--sfp-server-url", url], { env: { SFP_SERVER_TOKEN: stack.owner.token } }))
      .toEqual({ code: 1, stdout: "", stderr });
  });

  it("the server's own refusal: its message, status and reason, exit 1, and nothing on stdout", async () => {
    const env = { SFP_SERVER_URL: stack.url, SFP_SERVER_TOKEN: stack.member.token };
    expect(await sfp(home.dir, ["server", "project", "create", "--identifier", "acme/x", "--remote-url", "https://github.com/acme/x"], { env }))
      .toEqual({ code: 1, stdout: "", stderr: "error: Forbidden - Only owners can create projects (403 Forbidden)\n" });
  });
});

describe("a wrong command line: commander's one line, exit 2", () => {
  it.each([
    [["server", "project", "create", "--identifier", "acme/x"], "error: required option '--remote-url <url>' not specified\n"],
    [["server", "projects"], "error: unknown command 'projects'\n(Did you mean project?)\n"],
    [["work-items", "list", "--project", "acme/x", "--max-results", "0"],
      "error: option '--max-results <n>' argument '0' is invalid. must be a whole number from 1 to 100\n"],
    [["work-items", "list", "--project", "acme/x", "--max-results", "101"],
      "error: option '--max-results <n>' argument '101' is invalid. must be a whole number from 1 to 100\n"],
  ])("sfp %j", async (args, stderr) => {
    expect(await sfp(home.dir, args, { env: asOwner() })).toEqual({ code: 2, stdout: "", stderr });
  });
});
