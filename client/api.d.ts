/**
 * The HTTP API's types, generated from docs/openapi.json by client/generate.ts
 * (openapi-typescript). Do not edit: run `npm run client:generate` after `npm run docs:openapi`.
 */

export interface paths {
    "/sfp/api/application-tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the application tokens
         * @description **Who may call it:** owners; the service (the service-role key).
         */
        get: operations["getApplicationTokens"];
        put?: never;
        /**
         * Create an application token
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     `expiresIn`: whole days, 1 to 365 (default 30). `projects` (registered identifiers) and `providers` limit what it reads; each optional (null: not limited), never empty. The token is in this answer only.
         */
        post: operations["postApplicationTokens"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/application-tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke an application token
         * @description **Who may call it:** owners; the service (the service-role key).
         */
        delete: operations["deleteApplicationTokensById"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/audit-logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the audit log
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     Newest first, filtered, paged by cursor (`next_cursor` of the previous page). `to` is exclusive.
         */
        get: operations["getAuditLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/audit-logs/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export the audit log
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     Every matching row, newest first, one JSON object per line (NDJSON, for a SIEM).
         */
        get: operations["getAuditLogsExport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/audit-logs/verify": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Verify the audit log
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     Seals what has committed, then re-walks the hash chain and checks its keyed checkpoints with the server's key ring. No query parameters.
         */
        get: operations["getAuditLogsVerify"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness
         * @description **Who may call it:** anyone, without authentication.
         *
         *     Without authentication and without the database.
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/health/auth": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Check a token
         * @description **Who may call it:** any signed-in user (a team member or not); applications (`sfp_app_` tokens); the service (the service-role key).
         *
         *     Authenticates the bearer token and does nothing else (an application token costs one query, to check its digest).
         */
        get: operations["getHealthAuth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness
         * @description **Who may call it:** anyone, without authentication.
         *
         *     Asks the database, within the database deadline. Without authentication.
         */
        get: operations["getHealthReady"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/integrations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the integrations
         * @description **Who may call it:** owners; the service (the service-role key).
         */
        get: operations["getIntegrations"];
        put?: never;
        /**
         * Create an integration
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     Exactly one of `isGlobal: true` or a non-empty `projects`. `credentials` must fit the provider and auth type (functions/_shared/providers.ts). The older snake_case `auth_type` and `is_global` are accepted too.
         */
        post: operations["postIntegrations"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/integrations/credentials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read credentials
         * @description **Who may call it:** owners; applications (`sfp_app_` tokens); the service (the service-role key).
         *
         *     With `project`: per provider, the integrations scoped to that project, and the global ones only for providers that have none scoped to it; without: the global integrations only. Ordered by provider, then creation time, then id. Every request is audited, whatever its answer. A grant is never returned: a GitHub App reads as `{token, expires_at, app_id, installation_id}` (an installation token), a client-credentials grant (`oauth_client_credentials`, `service_principal`) as its non-secret fields with `{access_token, expires_at}`, and an `oauth` credential without its `refresh_token` and `client_secret` (refreshed first when it expires within 5 minutes).
         */
        get: operations["getIntegrationsCredentials"];
        put?: never;
        /**
         * Read credentials (the older form)
         * @description **Who may call it:** owners; applications (`sfp_app_` tokens); the service (the service-role key).
         *
         *     The same read as GET, the filters as a JSON body. With `project`: per provider, the integrations scoped to that project, and the global ones only for providers that have none scoped to it; without: the global integrations only. Ordered by provider, then creation time, then id. Every request is audited, whatever its answer. A grant is never returned: a GitHub App reads as `{token, expires_at, app_id, installation_id}` (an installation token), a client-credentials grant (`oauth_client_credentials`, `service_principal`) as its non-secret fields with `{access_token, expires_at}`, and an `oauth` credential without its `refresh_token` and `client_secret` (refreshed first when it expires within 5 minutes).
         */
        post: operations["postIntegrationsCredentials"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/integrations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read an integration's metadata
         * @description **Who may call it:** owners; the service (the service-role key).
         */
        get: operations["getIntegrationsById"];
        put?: never;
        post?: never;
        /**
         * Delete an integration
         * @description **Who may call it:** owners; the service (the service-role key).
         */
        delete: operations["deleteIntegrationsById"];
        options?: never;
        head?: never;
        /**
         * Change an integration
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     Any of `credentials` (with `authType` to change the auth type too), `config`, the scope (`isGlobal` or `projects`). Every change is a new version. Check-and-set: `version` in the body or `If-Match`.
         */
        patch: operations["patchIntegrationsById"];
        trace?: never;
    };
    "/sfp/api/integrations/{id}/rollback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Roll an integration back
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     Makes a kept version's credentials (and auth type) current again, as a new version.
         */
        post: operations["postIntegrationsByIdRollback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/integrations/{id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Test an integration's connection
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     One call to the integration's service with its current credentials, changing nothing there: GitHub `GET /user` (a GitHub App: an installation token issued), Jira `GET /rest/api/3/myself`, GitLab `GET /api/v4/user`, Azure DevOps `GET /_apis/connectionData` (with `config.baseUrl`). Other providers answer `ok: false`, not supported. Audited as `integration.test`.
         */
        post: operations["postIntegrationsByIdTest"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/oidc-policies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the OIDC trust policies
         * @description **Who may call it:** owners; the service (the service-role key).
         */
        get: operations["getOidcPolicies"];
        put?: never;
        /**
         * Create an OIDC trust policy
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     `issuer`: one of `SFP_OIDC_ISSUERS`. `audience`: required, specific to this server (a default or shared audience is refused). `claims`: claim name to exact value; `*` (any run of characters but `/` and `@`) only in ref, head_ref, base_ref, environment, workflow, workflow_ref, job_workflow_ref, ci_config_ref_uri (not in their repository part); the repository pinned by its id: repository_id (GitHub) or project_id (GitLab). `subject`: optional, a glob over `sub` (name-based or immutable id-based). `allowEvents`: events admitted beyond the default allow-list (push, workflow_dispatch, schedule, release, merge_group, deployment, repository_dispatch; GitLab's web, api, trigger, pipeline, parent_pipeline), e.g. pull_request. `projects`: required; `providers`: optional.
         */
        post: operations["postOidcPolicies"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/oidc-policies/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete an OIDC trust policy
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     The access tokens it granted stop working at once.
         */
        delete: operations["deleteOidcPoliciesById"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/oidc/explain": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Explain how an OIDC token fares
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     For each trust policy: matched, or the first failing check with what the token says and what the policy requires; and whether the token itself is valid. Exchanges nothing and records nothing.
         */
        post: operations["postOidcExplain"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/oidc/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Exchange a job's OIDC token
         * @description **Who may call it:** anyone, without authentication.
         *
         *     No other authentication: the OIDC token is the proof. The first trust policy (in name order) that matches, while the owner who created it is still an owner, grants an access token (`sfp_oidc_...`) that reads credentials of the policy's projects and providers, for at most 15 minutes and never past the OIDC token's `exp`. Each OIDC token is exchanged once. Audited, refusals too.
         */
        post: operations["postOidcToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/projects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the projects
         * @description **Who may call it:** owners; members; applications (`sfp_app_` tokens); the service (the service-role key).
         *
         *     Every project, by identifier, each with the integrations that apply to it. No query parameters.
         */
        get: operations["getProjects"];
        put?: never;
        /**
         * Register a project
         * @description **Who may call it:** owners; the service (the service-role key).
         */
        post: operations["postProjects"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/projects/{identifier}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read a project
         * @description **Who may call it:** owners; members; applications (`sfp_app_` tokens); the service (the service-role key).
         *
         *     The identifier URL-encoded (`acme%2Fcore`); an unencoded `acme/core` matches too. No query parameters.
         */
        get: operations["getProjectsByIdentifier"];
        put?: never;
        post?: never;
        /**
         * Delete a project
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     Refused while integrations are scoped to this project alone, unless `force=true`: then they lose that scope (they stay, read by no one, until re-scoped or deleted).
         */
        delete: operations["deleteProjectsByIdentifier"];
        options?: never;
        head?: never;
        /**
         * Change a project
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     One property at a time: `remoteUrl`, `configuration`, or one key of it (`configuration.workItems`; `null` removes the key). Every change is a new version. Check-and-set: `version` in the body or `If-Match`.
         */
        patch: operations["patchProjectsByIdentifier"];
        trace?: never;
    };
    "/sfp/api/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the members
         * @description **Who may call it:** owners; the service (the service-role key).
         */
        get: operations["getUsers"];
        put?: never;
        /**
         * Add a member
         * @description **Who may call it:** owners; the service (the service-role key).
         *
         *     The user must have signed up and confirmed their email. `role`: owner or member.
         */
        post: operations["postUsers"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/users/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Who am I
         * @description **Who may call it:** any signed-in user (a team member or not); applications (`sfp_app_` tokens); the service (the service-role key).
         */
        get: operations["getUsersMe"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sfp/api/users/{email}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Change a member's role
         * @description **Who may call it:** owners; the service (the service-role key).
         */
        put: operations["putUsersByEmail"];
        post?: never;
        /**
         * Remove a member
         * @description **Who may call it:** owners; the service (the service-role key).
         */
        delete: operations["deleteUsersByEmail"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        ApplicationToken: {
            /** Format: uuid */
            id: string;
            name: string;
            /** @enum {string} */
            status: "active" | "expired" | "revoked";
            /** @description The projects it is limited to; null: not limited to projects */
            projects: string[] | null;
            /** @description The providers it is limited to; null: not limited to providers */
            providers: string[] | null;
            /**
             * Format: uuid
             * @description The owner who created it (null when made with the service-role key)
             */
            created_by: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            expires_at: string;
            /** Format: date-time */
            revoked_at: string | null;
            /**
             * Format: date-time
             * @description Its last use, to the minute
             */
            last_used_at: string | null;
        };
        AuditEntry: {
            id: number;
            /** Format: date-time */
            occurred_at: string;
            /** @enum {string} */
            actor_type: "user" | "application" | "oidc" | "service" | "anonymous";
            /** Format: uuid */
            actor_id: string | null;
            actor_email: string | null;
            actor_role: string | null;
            /** Format: uuid */
            actor_token_id: string | null;
            actor_token_name: string | null;
            /** @example credentials.read */
            action: string;
            /** @enum {string} */
            outcome: "granted" | "denied" | "not_found" | "invalid" | "error" | "succeeded";
            integration_ids: string[];
            provider: string | null;
            project: string | null;
            ip: string | null;
            user_agent: string | null;
            request_id: string | null;
            message: string | null;
            details: {
                [key: string]: unknown;
            };
            /** @description The row's SHA-256, hex (null until hashed) */
            row_hash: string | null;
        };
        AuditPage: {
            items: components["schemas"]["AuditEntry"][];
            /** @description The cursor of the next page; null on the last page */
            next_cursor: number | null;
        };
        AuditVerification: {
            ok: boolean;
            /** @description Links of the hash chain re-walked */
            checked: number;
            /** @description Rows not yet sealed into the chain */
            unsealed: number;
            anchor_seq: number | null;
            head_seq: number | null;
            head_hash: string | null;
            checkpoints: {
                checked: number;
                latest_seq: number | null;
            } | null;
            /** @description The first broken position and why; null when intact */
            first_broken: ({
                /** @enum {string} */
                reason: "row changed" | "row missing" | "link broken" | "sequence gap" | "checkpoint forged" | "tail cut" | "chain rebuilt";
                seq?: number | null;
                audit_id?: number | null;
            } & {
                [key: string]: unknown;
            }) | null;
        };
        AuthCheck: {
            /** @enum {string} */
            status: "ok";
            /** @enum {string} */
            caller: "user" | "application" | "service";
        };
        ConnectionTest: {
            ok: boolean;
            /** @description The service's HTTP status; null when it did not answer or no call was made */
            status: number | null;
            /** @description e.g. "Authenticated as octocat", or the service's refusal; never a secret */
            message: string;
        };
        CreatedApplicationToken: {
            /** Format: uuid */
            id: string;
            name: string;
            /** @enum {string} */
            status: "active" | "expired" | "revoked";
            /** @description The projects it is limited to; null: not limited to projects */
            projects: string[] | null;
            /** @description The providers it is limited to; null: not limited to providers */
            providers: string[] | null;
            /**
             * Format: uuid
             * @description The owner who created it (null when made with the service-role key)
             */
            created_by: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            expires_at: string;
            /** Format: date-time */
            revoked_at: string | null;
            /**
             * Format: date-time
             * @description Its last use, to the minute
             */
            last_used_at: string | null;
            /** @description `sfp_app_` and 64 URL-safe characters: shown once, never again */
            token: string;
        };
        Credentials: {
            /** Format: uuid */
            integration_id: string;
            provider: string;
            auth_type: string;
            /** @description Exactly as stored; their shape is the provider's and auth type's */
            credentials: {
                [key: string]: unknown;
            };
        };
        /** @description Every error's body; some carry extra fields, named where they occur (`currentVersion`, `integrationIds`, `integrationId`, `database`). Never a stack trace, a key or a secret. */
        Error: {
            /**
             * @description The HTTP status
             * @example 404
             */
            statusCode: number;
            /**
             * @description What went wrong, written for the client
             * @example Project 'acme/unknown' not found
             */
            message: string;
            /**
             * @description The status's reason phrase
             * @example Not Found
             */
            error: string;
        } & {
            [key: string]: unknown;
        };
        Integration: {
            /** Format: uuid */
            id: string;
            provider: string;
            auth_type: string;
            is_global: boolean;
            /** @description The identifiers of the projects it is scoped to (empty when global) */
            projects: string[];
            config: {
                [key: string]: unknown;
            };
            /** @description Its current version; every change makes a new one */
            version: number;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        IntegrationWithVersions: {
            /** Format: uuid */
            id: string;
            provider: string;
            auth_type: string;
            is_global: boolean;
            /** @description The identifiers of the projects it is scoped to (empty when global) */
            projects: string[];
            config: {
                [key: string]: unknown;
            };
            /** @description Its current version; every change makes a new one */
            version: number;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            /** @description The version numbers kept, ascending (a rollback may go back to any) */
            versions: number[];
        };
        Liveness: {
            /** @enum {string} */
            status: "ok";
        };
        Me: {
            /** @enum {string} */
            type: "user";
            /** Format: uuid */
            user_id: string;
            email: string | null;
            /**
             * @description null for a signed-in user who is not a member
             * @enum {string|null}
             */
            role: "owner" | "member" | null;
        } | {
            /** @enum {string} */
            type: "application";
            /** Format: uuid */
            token_id: string;
            name: string;
            /** @enum {string} */
            role: "application";
        } | {
            /** @enum {string} */
            type: "service";
            /** @enum {string} */
            role: "service";
        };
        Member: {
            /** Format: uuid */
            user_id: string;
            email: string;
            /** @enum {string} */
            role: "owner" | "member";
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
        };
        OidcAccessToken: {
            /** @description `sfp_oidc_` and 64 URL-safe characters: send it as `Authorization: Bearer` */
            access_token: string;
            /** @enum {string} */
            token_type: "bearer";
            /** @description Seconds until it expires: at most 900, never past the OIDC token's exp */
            expires_in: number;
            /** Format: date-time */
            expires_at: string;
            /** @description The trust policy that granted it */
            policy: string;
            /** @description The projects it reads */
            projects: string[];
            /** @description The providers it reads; null: every provider */
            providers: string[] | null;
        };
        OidcExplanation: {
            /** @description The token itself passes: a trusted issuer, its signature, exp, nbf, iat, a jti not yet exchanged */
            valid: boolean;
            /** @description Why the token itself is refused; null when valid */
            reason: string | null;
            /** @description What the token says (iss, aud, sub and the claims a policy can match); null when it is not a JWT */
            claims: {
                [key: string]: unknown;
            } | null;
            /** @description The policy an exchange would use now; null when it would be refused */
            policy: string | null;
            /** @description Every policy, in name order */
            policies: {
                /** Format: uuid */
                id: string;
                name: string;
                matched: boolean;
                /**
                 * @description The first check that failed; null when it matched
                 * @enum {string|null}
                 */
                check: "issuer" | "audience" | "claims" | "subject" | "event" | "owner" | null;
                /** @description What the token says and what the policy requires */
                message: string | null;
            }[];
        };
        OidcPolicy: {
            /** Format: uuid */
            id: string;
            name: string;
            issuer: string;
            audience: string;
            /** @description Claim name to exact value (or glob, where allowed) */
            claims: {
                [key: string]: string;
            };
            subject: string | null;
            /** @description Events beyond the default allow-list (push, workflow_dispatch, schedule, ...) that this policy admits */
            allowEvents: string[];
            /** @description The projects it grants (identifiers, sorted) */
            projects: string[];
            /** @description The providers it grants; null: every provider */
            providers: string[] | null;
            /** Format: uuid */
            created_by: string | null;
            /** Format: date-time */
            created_at: string;
        };
        Project: {
            /** Format: uuid */
            id: string;
            identifier: string;
            remote_url: string;
            /** @enum {string} */
            platform: "github" | "gitlab" | "azuredevops" | "bitbucket" | "other";
            configuration: {
                [key: string]: unknown;
            };
            version: number;
            /** Format: date-time */
            created_at: string;
            /** Format: date-time */
            updated_at: string;
            /** @description The integrations that apply to it (scoped to it, and the global ones), by provider then creation */
            integrations: components["schemas"]["ProjectIntegration"][];
        };
        ProjectIntegration: {
            /** Format: uuid */
            id: string;
            provider: string;
            auth_type: string;
            is_global: boolean;
            /** Format: date-time */
            created_at: string;
        };
        Readiness: {
            /** @enum {string} */
            status: "ready";
            /** @enum {string} */
            database: "ok";
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getApplicationTokens: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every token's metadata, newest first (never the token) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApplicationToken"][];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postApplicationTokens: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /** @default 30 */
                    expiresIn?: number;
                    projects?: string[] | null;
                    providers?: ("github" | "gitlab" | "azure-devops" | "jira" | "jfrog" | "npm" | "github_packages" | "datadog" | "newrelic" | "splunk" | "ai_anthropic" | "ai_openai" | "ai_google" | "ai_github_copilot" | "ai_amazon_bedrock" | "azuredevops")[] | null;
                };
            };
        };
        responses: {
            /** @description The token's metadata and the token, shown once */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedApplicationToken"];
                };
            };
            /** @description Bad Request: Bad input (the message names the field), an empty scope, "Project 'x' not found" */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Payload Too Large: The body is larger than `SFP_MAX_BODY_BYTES` (65,536 bytes by default); it is not read */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unsupported Media Type: The body is not `Content-Type: application/json`: "Content-Type must be application/json" */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteApplicationTokensById: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The token's metadata, now revoked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApplicationToken"];
                };
            };
            /** @description Bad Request: The id is not a UUID */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "Application token 'id' not found" */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAuditLogs: {
        parameters: {
            query?: {
                actor?: string;
                action?: string;
                integration_id?: string;
                project?: string;
                outcome?: "granted" | "denied" | "not_found" | "invalid" | "error" | "succeeded";
                from?: string;
                to?: string;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditPage"];
                };
            };
            /** @description Bad Request: A bad filter value, or an unknown or repeated query parameter */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAuditLogsExport: {
        parameters: {
            query?: {
                actor?: string;
                action?: string;
                integration_id?: string;
                project?: string;
                outcome?: "granted" | "denied" | "not_found" | "invalid" | "error" | "succeeded";
                from?: string;
                to?: string;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One audit row (AuditEntry) per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/x-ndjson": components["schemas"]["AuditEntry"];
                };
            };
            /** @description Bad Request: A bad filter value, or an unknown or repeated query parameter */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAuditLogsVerify: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report; `first_broken` says where and why when broken */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditVerification"];
                };
            };
            /** @description Bad Request: A query parameter was given */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The functions answer */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Liveness"];
                };
            };
        };
    };
    getHealthAuth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The token is accepted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuthCheck"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getHealthReady: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The database answers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description Service Unavailable: "The database is unavailable; retry later", with `database: "unavailable"` and `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getIntegrations: {
        parameters: {
            query?: {
                /** @description A provider of the catalogue; `azuredevops` is accepted for `azure-devops` */
                provider?: "github" | "gitlab" | "azure-devops" | "jira" | "jfrog" | "npm" | "github_packages" | "datadog" | "newrelic" | "splunk" | "ai_anthropic" | "ai_openai" | "ai_google" | "ai_github_copilot" | "ai_amazon_bedrock" | "azuredevops";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every integration's metadata (of one provider), never credentials */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Integration"][];
                };
            };
            /** @description Bad Request: An unknown provider, or an unknown or repeated query parameter */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postIntegrations: {
        parameters: {
            query?: {
                validate?: "true" | "false";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description A provider of the catalogue; `azuredevops` is accepted for `azure-devops`
                     * @enum {string}
                     */
                    provider: "github" | "gitlab" | "azure-devops" | "jira" | "jfrog" | "npm" | "github_packages" | "datadog" | "newrelic" | "splunk" | "ai_anthropic" | "ai_openai" | "ai_google" | "ai_github_copilot" | "ai_amazon_bedrock" | "azuredevops";
                    authType?: string;
                    auth_type?: string;
                    credentials: {
                        [key: string]: unknown;
                    };
                    isGlobal?: boolean;
                    is_global?: boolean;
                    projects?: string[];
                    config?: {
                        [key: string]: unknown;
                    };
                };
            };
        };
        responses: {
            /** @description The integration's metadata (never its credentials) */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Integration"];
                };
            };
            /** @description Bad Request: Bad input (the message names the field); "Either isGlobal or projects must be specified"; "Specify either isGlobal or projects, not both"; "Project 'x' not found"; with `validate=true`, "The service rejected the credentials: ..." or "The credentials cannot be validated: ..." (nothing stored) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Payload Too Large: The body is larger than `SFP_MAX_BODY_BYTES` (65,536 bytes by default); it is not read */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unsupported Media Type: The body is not `Content-Type: application/json`: "Content-Type must be application/json" */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Bad Gateway: With `validate=true`: "The credentials could not be validated: ..." (the service did not answer; nothing stored) */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getIntegrationsCredentials: {
        parameters: {
            query?: {
                /** @description A provider of the catalogue; `azuredevops` is accepted for `azure-devops` */
                provider?: "github" | "gitlab" | "azure-devops" | "jira" | "jfrog" | "npm" | "github_packages" | "datadog" | "newrelic" | "splunk" | "ai_anthropic" | "ai_openai" | "ai_google" | "ai_github_copilot" | "ai_amazon_bedrock" | "azuredevops";
                project?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The credentials that apply */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Credentials"][];
                };
            };
            /** @description Bad Request: Bad input: an unknown or repeated parameter, a bad provider or project identifier */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, a malformed, expired or badly signed one, an unknown, expired or revoked application token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: "Forbidden - Requires role: owner or application" (a member); "Forbidden - token not scoped to project 'x'" (or provider) for a scoped application token asking outside its scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "Project 'x' not found"; "No integration found for provider=jira, project=x" when nothing matches */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict: "Integration <id> (github oauth) needs re-authorization: <the service's refusal>. An owner must update its credentials", with `integrationId`: the service refused the stored grant (a revoked refresh token); every read answers this until an owner updates the credentials */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too Many Requests: "Too many refused requests from this address: retry later", with `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: A key is missing or wrong ("Encryption key version 1 is not in the key ring", ...), or a stored ciphertext failed its integrity check (with `integrationId`); or an unexpected failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Bad Gateway: A token could not be issued from the stored grant (GitHub App, OAuth refresh, client credentials): the service's own words, with `integrationId`, e.g. "GitHub did not issue an installation token (401: A JSON web token could not be decoded)" */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: "Credential operations are disabled: the database server's logging settings would record statement parameters. ..." (the log guard); the database is unavailable; or another request is still issuing this read's token (`Retry-After`) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postIntegrationsCredentials: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description A provider of the catalogue; `azuredevops` is accepted for `azure-devops`
                     * @enum {string}
                     */
                    provider?: "github" | "gitlab" | "azure-devops" | "jira" | "jfrog" | "npm" | "github_packages" | "datadog" | "newrelic" | "splunk" | "ai_anthropic" | "ai_openai" | "ai_google" | "ai_github_copilot" | "ai_amazon_bedrock" | "azuredevops";
                    project?: string;
                };
            };
        };
        responses: {
            /** @description The credentials that apply */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Credentials"][];
                };
            };
            /** @description Bad Request: Bad input: an unknown or repeated parameter, a bad provider or project identifier */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, a malformed, expired or badly signed one, an unknown, expired or revoked application token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: "Forbidden - Requires role: owner or application" (a member); "Forbidden - token not scoped to project 'x'" (or provider) for a scoped application token asking outside its scope */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "Project 'x' not found"; "No integration found for provider=jira, project=x" when nothing matches */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict: "Integration <id> (github oauth) needs re-authorization: <the service's refusal>. An owner must update its credentials", with `integrationId`: the service refused the stored grant (a revoked refresh token); every read answers this until an owner updates the credentials */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Payload Too Large: The body is larger than `SFP_MAX_BODY_BYTES` (65,536 bytes by default); it is not read */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unsupported Media Type: The body is not `Content-Type: application/json`: "Content-Type must be application/json" */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too Many Requests: "Too many refused requests from this address: retry later", with `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: A key is missing or wrong ("Encryption key version 1 is not in the key ring", ...), or a stored ciphertext failed its integrity check (with `integrationId`); or an unexpected failure */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Bad Gateway: A token could not be issued from the stored grant (GitHub App, OAuth refresh, client credentials): the service's own words, with `integrationId`, e.g. "GitHub did not issue an installation token (401: A JSON web token could not be decoded)" */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: "Credential operations are disabled: the database server's logging settings would record statement parameters. ..." (the log guard); the database is unavailable; or another request is still issuing this read's token (`Retry-After`) */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getIntegrationsById: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The metadata, with the versions kept */
            200: {
                headers: {
                    /** @description The current version, quoted ("3"): send it back as If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IntegrationWithVersions"];
                };
            };
            /** @description Bad Request: The id is not a UUID */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "Integration 'id' not found" */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteIntegrationsById: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The deleted integration's metadata; no read returns it any more */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Integration"];
                };
            };
            /** @description Bad Request: The id is not a UUID */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "Integration 'id' not found" */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patchIntegrationsById: {
        parameters: {
            query?: never;
            header?: {
                /** @description The version the change expects to be current, as the ETag shows it ("3"); 409 when it is not */
                "if-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    credentials?: {
                        [key: string]: unknown;
                    };
                    authType?: string;
                    auth_type?: string;
                    config?: {
                        [key: string]: unknown;
                    };
                    isGlobal?: boolean;
                    is_global?: boolean;
                    projects?: string[];
                    version?: number;
                };
            };
        };
        responses: {
            /** @description The metadata at its new version */
            200: {
                headers: {
                    /** @description The current version, quoted ("3"): send it back as If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Integration"];
                };
            };
            /** @description Bad Request: Bad input (the message names the field), a malformed If-Match, or If-Match and version disagreeing */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "Integration 'id' not found" */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict: "Version 3 is not current: the integration is at version 4", with `currentVersion` */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Payload Too Large: The body is larger than `SFP_MAX_BODY_BYTES` (65,536 bytes by default); it is not read */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unsupported Media Type: The body is not `Content-Type: application/json`: "Content-Type must be application/json" */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postIntegrationsByIdRollback: {
        parameters: {
            query?: never;
            header?: {
                /** @description The version the change expects to be current, as the ETag shows it ("3"); 409 when it is not */
                "if-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    version: number;
                };
            };
        };
        responses: {
            /** @description The metadata at its new version */
            200: {
                headers: {
                    /** @description The current version, quoted ("3"): send it back as If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Integration"];
                };
            };
            /** @description Bad Request: Bad input, or a malformed If-Match */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: The integration, or that version (no longer kept), not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict: If-Match names a version that is not current, with `currentVersion` */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Payload Too Large: The body is larger than `SFP_MAX_BODY_BYTES` (65,536 bytes by default); it is not read */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unsupported Media Type: The body is not `Content-Type: application/json`: "Content-Type must be application/json" */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postIntegrationsByIdTest: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Whether the service accepted the credential; never a secret */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ConnectionTest"];
                };
            };
            /** @description Bad Request: The id is not a UUID */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "Integration 'id' not found" */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getOidcPolicies: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every policy, in name order */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OidcPolicy"][];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postOidcPolicies: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    issuer: string;
                    audience: string;
                    claims: {
                        [key: string]: string;
                    };
                    subject?: string | null;
                    allowEvents?: string[] | null;
                    projects: string[];
                    providers?: ("github" | "gitlab" | "azure-devops" | "jira" | "jfrog" | "npm" | "github_packages" | "datadog" | "newrelic" | "splunk" | "ai_anthropic" | "ai_openai" | "ai_google" | "ai_github_copilot" | "ai_amazon_bedrock" | "azuredevops")[] | null;
                };
            };
        };
        responses: {
            /** @description The policy */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OidcPolicy"];
                };
            };
            /** @description Bad Request: Bad input (the message names the field), an untrusted issuer, a shared audience, "Project 'x' not found" */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict: "OIDC policy 'x' already exists" */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Payload Too Large: The body is larger than `SFP_MAX_BODY_BYTES` (65,536 bytes by default); it is not read */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unsupported Media Type: The body is not `Content-Type: application/json`: "Content-Type must be application/json" */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteOidcPoliciesById: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The deleted policy */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OidcPolicy"];
                };
            };
            /** @description Bad Request: The id is not a UUID */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "OIDC policy 'id' not found" */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postOidcExplain: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    token: string;
                };
            };
        };
        responses: {
            /** @description The token's verdict and every policy's */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OidcExplanation"];
                };
            };
            /** @description Bad Request: Bad input (the message names the field) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Payload Too Large: The body is larger than `SFP_MAX_BODY_BYTES` (65,536 bytes by default); it is not read */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unsupported Media Type: The body is not `Content-Type: application/json`: "Content-Type must be application/json" */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postOidcToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    token: string;
                };
            };
        };
        responses: {
            /** @description The access token, shown once */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OidcAccessToken"];
                };
            };
            /** @description Bad Request: Bad input (the message names the field) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: "Invalid OIDC token: <reason>" (not a JWT, algorithm, issuer, signature, expiry, nbf, iat, jti, already used) or "No trust policy matches this token: <the failed check>" */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Payload Too Large: The body is larger than `SFP_MAX_BODY_BYTES` (65,536 bytes by default); it is not read */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unsupported Media Type: The body is not `Content-Type: application/json`: "Content-Type must be application/json" */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too Many Requests: "Too many refused requests from this address: retry later", with `Retry-After` */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getProjects: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every project, by identifier */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"][];
                };
            };
            /** @description Bad Request: A query parameter was given */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: A signed-in user who is not a member */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postProjects: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    identifier: string;
                    remoteUrl: string;
                };
            };
        };
        responses: {
            /** @description The project */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"];
                };
            };
            /** @description Bad Request: Malformed JSON, an unknown field, a bad identifier or remote URL (the message names the field) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: "Forbidden - Only owners can create projects" */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict: "The project already exists." */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Payload Too Large: The body is larger than `SFP_MAX_BODY_BYTES` (65,536 bytes by default); it is not read */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unsupported Media Type: The body is not `Content-Type: application/json`: "Content-Type must be application/json" */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getProjectsByIdentifier: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                identifier: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The project */
            200: {
                headers: {
                    /** @description The project's version, quoted ("3"): send it back as If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"];
                };
            };
            /** @description Bad Request: A malformed identifier, or a query parameter */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: A signed-in user who is not a member */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "Project 'x' not found" */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteProjectsByIdentifier: {
        parameters: {
            query?: {
                force?: "true" | "false";
            };
            header?: never;
            path: {
                identifier: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The deleted project */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"];
                };
            };
            /** @description Bad Request: A malformed identifier, or a bad query parameter */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "Project 'x' not found" */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict: "Project 'x' has N integration(s) scoped to it alone; ...", with `integrationIds` */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    patchProjectsByIdentifier: {
        parameters: {
            query?: never;
            header?: {
                /** @description The version the change expects to be current, as the ETag shows it ("3"); 409 when it is not */
                "if-match"?: string;
            };
            path: {
                identifier: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /**
                     * @description `remoteUrl`, `configuration` (the whole object) or `configuration.<key>[.<key>...]` (one key; keys of ASCII letters, digits, `_` and `-`, at most 8 levels); the identifier never changes
                     * @example configuration.workItems
                     */
                    property: string;
                    /**
                     * @description The new value: a string for `remoteUrl`, an object for `configuration`, any JSON for one key (`null` removes it)
                     * @example {
                     *       "provider": "jira",
                     *       "jiraProjects": [
                     *         "DP"
                     *       ],
                     *       "baseUrl": "https://acme.atlassian.net/browse"
                     *     }
                     */
                    value: {
                        [key: string]: unknown;
                    } | unknown[] | string | number | boolean | null;
                    /** @description The version the change expects to be current (or If-Match); 409 when it is not */
                    version?: number;
                };
            };
        };
        responses: {
            /** @description The project at its new version */
            200: {
                headers: {
                    /** @description The project's version, quoted ("3"): send it back as If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Project"];
                };
            };
            /** @description Bad Request: Bad input (the message names the field): an unknown property, a value of the wrong type, a work items configuration of the wrong shape, a malformed If-Match, or If-Match and version disagreeing */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "Project 'x' not found" */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict: "Version 3 is not current: the project is at version 4", with `currentVersion` */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Payload Too Large: The body is larger than `SFP_MAX_BODY_BYTES` (65,536 bytes by default); it is not read */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unsupported Media Type: The body is not `Content-Type: application/json`: "Content-Type must be application/json" */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getUsers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every member, by email */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Member"][];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    postUsers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: email */
                    email: string;
                    /** @enum {string} */
                    role: "owner" | "member";
                };
            };
        };
        responses: {
            /** @description The member */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Member"];
                };
            };
            /** @description Bad Request: Bad input; "User 'x' has not confirmed their email: they must confirm it before they can be added" */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "User 'x' not found: they must sign up before they can be added" */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict: "The user is already a member." */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Payload Too Large: The body is larger than `SFP_MAX_BODY_BYTES` (65,536 bytes by default); it is not read */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unsupported Media Type: The body is not `Content-Type: application/json`: "Content-Type must be application/json" */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getUsersMe: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The caller: a user (role null when not a member), an application or the service */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Me"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    putUsersByEmail: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                email: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    role: "owner" | "member";
                };
            };
        };
        responses: {
            /** @description The member */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Member"];
                };
            };
            /** @description Bad Request: Bad input */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "Member 'x' not found" */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict: "The team must keep at least one owner" */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Payload Too Large: The body is larger than `SFP_MAX_BODY_BYTES` (65,536 bytes by default); it is not read */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unsupported Media Type: The body is not `Content-Type: application/json`: "Content-Type must be application/json" */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteUsersByEmail: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                email: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The removed member */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Member"];
                };
            };
            /** @description Bad Request: Not an email address */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unauthorized: No token, or a refused one */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Forbidden: Not an owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not Found: "Member 'x' not found" */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Conflict: "The team must keep at least one owner" */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Internal Server Error: An unexpected failure: `Internal Server Error (request <id>)`; the functions' log has what identifies it */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Service Unavailable: The database cannot be reached: "The database is unavailable; retry later", with `Retry-After: 2` */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}
