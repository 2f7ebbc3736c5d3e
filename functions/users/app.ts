import { createFunctionApp, type Services } from "../_shared/app.ts";
import { jsonb } from "../_shared/database.ts";
import { on } from "../_shared/openapi.ts";
import { jsonBody, parseOrThrow } from "../_shared/validation.ts";
import { userRoutes as routes } from "./routes.ts";
import { addMemberBody, type Me, type Member, memberEmail, type MemberList, updateMemberBody } from "./schemas.ts";

/**
 * /users: the team's members and their roles. /users/me answers anyone signed in; the rest
 * is for owners (decided in SQL, with the last owner protected there). Routes as declared in
 * routes.ts.
 */
export function createUsersApp(services: Services) {
  const app = createFunctionApp("users", services);
  const { db } = services;

  on(app, routes.me, async (c) => {
    const [row] = await db.query((sql) =>
      sql<{ me: Me }[]>`select sfp_api.get_me(context => ${jsonb(sql, c.get("context"))}::jsonb) as me`
    );
    return c.json(row.me);
  });

  on(app, routes.list, async (c) => {
    const [row] = await db.query((sql) =>
      sql<{ members: MemberList }[]>`select sfp_api.list_members(context => ${jsonb(sql, c.get("context"))}::jsonb) as members`
    );
    return c.json(row.members);
  });

  on(app, routes.add, async (c) => {
    const body = await jsonBody(c, addMemberBody);
    const [row] = await db.query((sql) =>
      sql<{ member: Member }[]>`select sfp_api.add_member(email => ${body.email}, role => ${body.role},
            context => ${jsonb(sql, c.get("context"))}::jsonb) as member`
    );
    return c.json(row.member, 201);
  });

  on(app, routes.update, async (c) => {
    const email = parseOrThrow(memberEmail, c.req.param("email"));
    const body = await jsonBody(c, updateMemberBody);
    const [row] = await db.query((sql) =>
      sql<{ member: Member }[]>`select sfp_api.update_member_role(email => ${email}, role => ${body.role},
            context => ${jsonb(sql, c.get("context"))}::jsonb) as member`
    );
    return c.json(row.member);
  });

  on(app, routes.remove, async (c) => {
    const email = parseOrThrow(memberEmail, c.req.param("email"));
    const [row] = await db.query((sql) =>
      sql<{ member: Member }[]>`select sfp_api.remove_member(email => ${email},
            context => ${jsonb(sql, c.get("context"))}::jsonb) as member`
    );
    return c.json(row.member);
  });

  return app;
}
