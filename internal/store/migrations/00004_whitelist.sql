-- +goose Up
-- An organisation's user whitelist: it is on exactly while the organisation has a rule.
CREATE TABLE whitelist_rules (
    id              BIGINT PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    pattern         TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('domain', 'subdomains', 'address')),
    description     TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (organisation_id, pattern)
);
