-- The audit log: one row per request for credentials (granted, denied, not found, invalid,
-- error) and per change. Append-only for every role, the table owner included; never holds a
-- secret value. Each row gets `row_hash`, the SHA-256 of its content (id included), when
-- inserted.
--
-- Order: the audit domain is split in two. This part (the table, its triggers and its writer
-- sfp._audit) comes right after the actor type that sfp._audit takes, because every later
-- migration creates functions that append to the log, in the same transaction as the change
-- or the read they record. The rest (the hash chain and its sealer, keyed checkpoints,
-- listing, verification, pruning, and the handover to sfp_audit_owner) is the audit
-- migration, the last one: it uses the key ring (crypto) and the log-safety guard, and the
-- handover must follow every object it covers. The row-hash and append-only trigger
-- functions are here because a trigger needs its function when it is created.

create table sfp.audit_log (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default clock_timestamp(),
  actor_type text not null constraint actor_type_is_known check (actor_type in ('user', 'application', 'oidc', 'service', 'anonymous')),
  actor_id uuid,
  actor_email text,
  actor_role text,
  actor_token_id uuid,
  actor_token_name text,
  action text not null constraint action_is_dotted_name check (action ~ '^[a-z_]+\.[a-z_]+$'),
  outcome text not null constraint outcome_is_known
    check (outcome in ('granted', 'denied', 'not_found', 'invalid', 'error', 'succeeded')),
  integration_ids uuid[] not null default '{}',
  provider text,
  project text,
  ip text constraint ip_is_short check (length(ip) <= 64),
  user_agent text constraint user_agent_is_short check (length(user_agent) <= 512),
  request_id text constraint request_id_is_short check (length(request_id) <= 128),
  message text,
  details jsonb not null default '{}',
  row_hash bytea
);
comment on table sfp.audit_log is 'Append-only record of every credential read and every change. Never holds a secret.';
alter table sfp.audit_log enable row level security;
create index audit_log_occurred_at_idx on sfp.audit_log (occurred_at);
-- The filters of the audit log's listing (sfp_api.list_audit_log).
create index audit_log_action_idx on sfp.audit_log (action, id);
create index audit_log_project_idx on sfp.audit_log (project, id) where project is not null;
create index audit_log_actor_idx on sfp.audit_log (actor_id, id) where actor_id is not null;
create index audit_log_token_idx on sfp.audit_log (actor_token_id, id) where actor_token_id is not null;
create index audit_log_actor_email_idx on sfp.audit_log (lower(actor_email), id) where actor_email is not null;
create index audit_log_integrations_idx on sfp.audit_log using gin (integration_ids);

/**
 * Refuses UPDATE, DELETE and TRUNCATE on the audit tables, whoever asks, except what the
 * pruning function does as sfp_audit_owner: deleting sealed rows and links, and moving the
 * anchor. Callers: the triggers below, and those of the chain, its anchor and the checkpoints
 * (audit migration). Errors: 42501.
 */
create function sfp._refuse_audit_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user = 'sfp_audit_owner' and (
       (tg_op = 'DELETE' and tg_table_name in ('audit_log', 'audit_chain'))
    or (tg_op = 'UPDATE' and tg_table_name = 'audit_chain_anchor')) then
    return coalesce(new, old);
  end if;
  raise exception using
    errcode = '42501',
    message = 'The audit log is append-only';
end;
$$;

create trigger audit_log_is_append_only
  before update or delete on sfp.audit_log
  for each row execute function sfp._refuse_audit_change();

create trigger audit_log_is_not_truncated
  before truncate on sfp.audit_log
  for each statement execute function sfp._refuse_audit_change();

/**
 * The hash of an audit row's content (id included, row_hash itself left out): SHA-256 of the
 * row's text form, with the time zone and date style fixed so that the hash does not depend on
 * the session that computes it (timestamps are the only columns whose text depends on
 * settings). The text form, not to_jsonb: building jsonb cost about 20 us more per row, and
 * every audited request inserts one (docs/performance.md).
 * Callers: the trigger below, and sfp_api.verify_audit_log (audit migration).
 */
create function sfp._audit_row_hash(row_ sfp.audit_log) returns bytea
language plpgsql immutable
set search_path = ''
set timezone = 'UTC'
set datestyle = 'ISO, YMD'
as $$
declare
  v_row sfp.audit_log := _audit_row_hash.row_;
begin
  v_row.row_hash := null;
  return pg_catalog.sha256(convert_to(v_row::text, 'UTF8'));
end;
$$;

/**
 * Sets an inserted audit row's row_hash (sfp._audit_row_hash), whatever the inserter gave.
 * SECURITY DEFINER: it runs as the role that owns it, not as the inserting role
 * (sfp_audit_owner, when the pruning function audits itself).
 * Callers: the trigger below.
 */
create function sfp._hash_audit_row() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  new.row_hash := sfp._audit_row_hash(new);
  return new;
end;
$$;

create trigger audit_log_rows_are_hashed
  before insert on sfp.audit_log
  for each row execute function sfp._hash_audit_row();

/**
 * Appends one audit row. Callers: every sfp_api function, inside its own transaction, so a
 * change or a granted read and its audit row commit or roll back together.
 */
create function sfp._audit(
  actor sfp.actor,
  action text,
  outcome text,
  context jsonb,
  integration_ids uuid[] default '{}',
  provider text default null,
  project text default null,
  message text default null,
  details jsonb default '{}'
) returns void
language plpgsql
set search_path = ''
as $$
begin
  -- The request facts from the trusted caller's context, cut to the column limits (a long
  -- header must not turn an audited read into an error); inline, not a helper returning a
  -- composite, which cost about 7 us per call (every read runs this).
  insert into sfp.audit_log (
    actor_type, actor_id, actor_email, actor_role, actor_token_id, actor_token_name, action, outcome,
    integration_ids, provider, project, ip, user_agent, request_id, message, details
  ) values (
    (_audit.actor).kind, (_audit.actor).user_id, (_audit.actor).email, (_audit.actor).role,
    (_audit.actor).token_id, (_audit.actor).token_name, _audit.action, _audit.outcome, coalesce(_audit.integration_ids, '{}'), _audit.provider,
    _audit.project, left(_audit.context ->> 'ip', 64), left(_audit.context ->> 'user_agent', 512),
    left(_audit.context ->> 'request_id', 128), _audit.message,
    coalesce(_audit.details, '{}')
  );
end;
$$;

-- Belt and braces: nothing in the private schema is executable by an API role.
revoke all on all functions in schema sfp from public, anon, authenticated, service_role;
