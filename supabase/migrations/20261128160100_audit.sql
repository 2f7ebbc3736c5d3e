-- The audit log: one row per credential read (granted, denied, not found) and per change.
-- Append-only for every role, the table owner included; never holds a secret value.

create table sfp.audit_log (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default clock_timestamp(),
  actor_type text not null constraint actor_type_is_known check (actor_type in ('user', 'application', 'service', 'anonymous')),
  actor_id uuid,
  actor_email text,
  actor_role text,
  actor_token_id uuid,
  actor_token_name text,
  action text not null constraint action_is_dotted_name check (action ~ '^[a-z_]+\.[a-z_]+$'),
  outcome text not null constraint outcome_is_known check (outcome in ('granted', 'denied', 'not_found', 'succeeded')),
  integration_ids uuid[] not null default '{}',
  provider text,
  project text,
  ip text constraint ip_is_short check (length(ip) <= 64),
  user_agent text constraint user_agent_is_short check (length(user_agent) <= 512),
  request_id text constraint request_id_is_short check (length(request_id) <= 128),
  message text,
  details jsonb not null default '{}'
);
comment on table sfp.audit_log is 'Append-only record of every credential read and every change. Never holds a secret.';
alter table sfp.audit_log enable row level security;
create index audit_log_occurred_at_idx on sfp.audit_log (occurred_at);

/**
 * Refuses UPDATE, DELETE and TRUNCATE on the audit log, whoever asks, with one exception:
 * the DELETE of sfp_api.prune_audit_log, which marks its transaction (and only roles with
 * DELETE on these tables can try at all: no API role has it).
 * Callers: the triggers below. Errors: 42501.
 */
create function sfp._refuse_audit_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and current_setting('sfp.pruning_audit_log', true) = 'on' then
    return old;
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
 * Reads ip, user agent and request id from a trusted caller's context, cut to the column
 * limits (a long header must not turn an audited read into an error). Cost: trivial.
 */
create function sfp._request_meta(context jsonb) returns sfp.request_meta
language plpgsql immutable
set search_path = ''
as $$
begin
  return row(
      left(_request_meta.context ->> 'ip', 64),
      left(_request_meta.context ->> 'user_agent', 512),
      left(_request_meta.context ->> 'request_id', 128)
    )::sfp.request_meta;
end;
$$;

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
declare
  v_meta sfp.request_meta := sfp._request_meta(_audit.context);
begin
  insert into sfp.audit_log (
    actor_type, actor_id, actor_email, actor_role, actor_token_id, actor_token_name, action, outcome,
    integration_ids, provider, project, ip, user_agent, request_id, message, details
  ) values (
    (_audit.actor).kind, (_audit.actor).user_id, (_audit.actor).email, (_audit.actor).role,
    (_audit.actor).token_id, (_audit.actor).token_name, _audit.action, _audit.outcome, coalesce(_audit.integration_ids, '{}'), _audit.provider,
    _audit.project, v_meta.ip, v_meta.user_agent, v_meta.request_id, _audit.message,
    coalesce(_audit.details, '{}')
  );
end;
$$;
