-- +goose Up
-- Audit records carry the documented values (issue 19): action is what the request did, by its method
-- (CREATED, RETRIEVED, UPDATED, DELETED, OTHER), category one of the documented categories (AUTH, USERS,
-- ORGANISATIONS ...), and the operation's name, which action used to hold, moves to its own column.
-- One UPDATE: every right-hand side reads the row as it was.
ALTER TABLE audit_records ADD COLUMN operation TEXT NOT NULL DEFAULT '';
UPDATE audit_records SET
    operation = action,
    action = CASE
        -- whitelist rules deleted through the bulk delete (a POST) were and are deletions
        WHEN action = 'whitelistRuleDeleted' THEN 'DELETED'
        WHEN method = 'POST' THEN 'CREATED'
        WHEN method IN ('GET', 'HEAD') THEN 'RETRIEVED'
        WHEN method IN ('PUT', 'PATCH') THEN 'UPDATED'
        WHEN method = 'DELETE' THEN 'DELETED'
        ELSE 'OTHER'
    END,
    category = CASE
        WHEN category = 'authentication' THEN 'AUTH'
        WHEN category = 'mfa' AND action = 'updateUser' THEN 'USERS'
        WHEN category = 'mfa' THEN 'AUTH'
        WHEN category IN ('organisation', 'removal', 'audit', 'statistics') THEN 'ORGANISATIONS'
        WHEN category IN ('members', 'users') THEN 'USERS'
        WHEN category IN ('userwhitelist', 'whitelist') THEN 'WHITELIST'
        WHEN category = 'plans' THEN 'PLANS'
        WHEN category = 'labels' THEN 'CLASSIFICATIONS'
        WHEN category = 'groups' THEN 'CLEARANCES'
        ELSE 'OTHER'
    END;
-- The exports filter an organisation's records by time, client, action and category and read them by
-- (occurred_at, id): audit_records_organisation (organisation_id, occurred_at, id) serves each of them in
-- that order; the filters are checked on the rows it reads, so no index of its own is needed.

-- +goose Down
UPDATE audit_records SET action = operation;
ALTER TABLE audit_records DROP COLUMN operation;
