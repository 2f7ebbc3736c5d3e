/**
 * The first request a fresh functions process serves may carry arrays (a create with its
 * projects): postgres.js must send them as arrays then too, not only once its connection has
 * learnt the array types.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createProject } from "../support/http.ts";
import { useTestStack } from "../support/test-stack.ts";

const stack = useTestStack();

describe("a fresh functions process", () => {
  beforeEach(async () => {
    await createProject(stack, "acme/cold");
    await stack.restartFunctions();
  });

  it("stores an integration scoped to projects as its very first request", async () => {
    const created = await stack.api("POST", "/integrations", {
      token: stack.owner.token,
      body: { provider: "github", authType: "pat", credentials: { token: "ghp_madeUpColdStart" }, projects: ["acme/cold"] },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ projects: ["acme/cold"] });
  });

  it("creates a scoped application token as its very first request", async () => {
    const created = await stack.api("POST", "/application-tokens", {
      token: stack.owner.token,
      body: { name: "cold", projects: ["acme/cold"], providers: ["github"] },
    });
    expect(created.status, created.text).toBe(201);
  });
});
