import { z } from "zod";
import { timestamp } from "../_shared/responses.ts";

const role = z.enum(["owner", "member"], { message: "role must be one of: owner, member" });
const email = z.email({ message: "email must be an email address" }).max(320);

/** POST /users: add a signed-up Supabase Auth user to the team. */
export const addMemberBody = z.strictObject({ email, role });

/** PUT /users/{email}: change a member's role. */
export const updateMemberBody = z.strictObject({ role });

export const memberEmail = email;

/** A team member as sfp_api returns it (sfp._member_json). */
export const member = z.object({
  user_id: z.uuid(),
  email: z.string(),
  role: z.enum(["owner", "member"]),
  created_at: timestamp,
  updated_at: timestamp,
}).meta({ id: "Member" });
export type Member = z.infer<typeof member>;

export const memberList = z.array(member);
export type MemberList = z.infer<typeof memberList>;

/** GET /users/me: who the token is (sfp_api.get_me). */
export const me = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("user"),
    user_id: z.uuid(),
    email: z.string().nullable(),
    role: z.enum(["owner", "member"]).nullable().meta({ description: "null for a signed-in user who is not a member" }),
  }),
  z.object({ type: z.literal("application"), token_id: z.uuid(), name: z.string(), role: z.literal("application") }),
  z.object({ type: z.literal("service"), role: z.literal("service") }),
]).meta({ id: "Me" });
export type Me = z.infer<typeof me>;

export const memberPath = z.object({ email: memberEmail });
