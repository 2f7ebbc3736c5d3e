import { z } from "zod";

const role = z.enum(["owner", "member"], { message: "role must be one of: owner, member" });
const email = z.email({ message: "email must be an email address" }).max(320);

/** POST /users: add a signed-up Supabase Auth user to the team. */
export const addMemberBody = z.strictObject({ email, role });

/** PUT /users/{email}: change a member's role. */
export const updateMemberBody = z.strictObject({ role });

export const memberEmail = email;
