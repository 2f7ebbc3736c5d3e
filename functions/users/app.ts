import { createFunctionApp, type Services } from "../_shared/app.ts";
import { jsonb } from "../_shared/database.ts";
import { jsonBody, parseOrThrow } from "../_shared/validation.ts";
import { addMemberBody, memberEmail, updateMemberBody } from "./schemas.ts";

/**
 * /users: the team's members and their roles. /users/me answers anyone signed in; the rest
 * is for owners (decided in SQL, with the last owner protected there).
 */
export function createUsersApp(services: Services) {
  const app = createFunctionApp("users", services);
  const { db } = services;

  app.get("/me", async (c) => {
    const [row] = await db.query((sql) => sql`select sfp_api.get_me(context => ${jsonb(sql, c.get("context"))}::jsonb) as me`);
    return c.json(row.me);
  });

  app.get("/", async (c) => {
    const [row] = await db.query((sql) =>
      sql`select sfp_api.list_members(context => ${jsonb(sql, c.get("context"))}::jsonb) as members`
    );
    return c.json(row.members);
  });

  app.post("/", async (c) => {
    const body = await jsonBody(c, addMemberBody);
    const [row] = await db.query((sql) =>
      sql`select sfp_api.add_member(email => ${body.email}, role => ${body.role},
            context => ${jsonb(sql, c.get("context"))}::jsonb) as member`
    );
    return c.json(row.member, 201);
  });

  app.put("/:email", async (c) => {
    const email = parseOrThrow(memberEmail, c.req.param("email"));
    const body = await jsonBody(c, updateMemberBody);
    const [row] = await db.query((sql) =>
      sql`select sfp_api.update_member_role(email => ${email}, role => ${body.role},
            context => ${jsonb(sql, c.get("context"))}::jsonb) as member`
    );
    return c.json(row.member);
  });

  app.delete("/:email", async (c) => {
    const email = parseOrThrow(memberEmail, c.req.param("email"));
    const [row] = await db.query((sql) =>
      sql`select sfp_api.remove_member(email => ${email}, context => ${jsonb(sql, c.get("context"))}::jsonb) as member`
    );
    return c.json(row.member);
  });

  return app;
}
