-- +goose Up
CREATE TABLE organisations (
    id                   BIGINT PRIMARY KEY,
    name                 TEXT NOT NULL,
    name_key             TEXT NOT NULL UNIQUE, -- lower(name): names are unique case-insensitively
    description          TEXT,
    quota                BIGINT NOT NULL,
    admin_email          TEXT NOT NULL,
    contact_email        TEXT NOT NULL,
    enforce_mfa          BOOLEAN NOT NULL DEFAULT FALSE,
    addressbook_enabled  BOOLEAN NOT NULL DEFAULT FALSE,
    watermarking_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    i18n_default         TEXT,
    support_url          TEXT,
    company_name         TEXT,
    legal_url            TEXT,
    webapp_help_url      TEXT,
    org_admin_help_url   TEXT,
    privacy_url          TEXT,
    user_message         TEXT,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);

-- Storage plans. Only the table for now: memberships name an Originator's plan.
CREATE TABLE plans (
    id              BIGINT PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT,
    quota           BIGINT NOT NULL,
    is_default      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX plans_organisation ON plans (organisation_id);
CREATE UNIQUE INDEX plans_one_default ON plans (organisation_id) WHERE is_default;

CREATE TABLE memberships (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('Originator', 'Collaborator', 'Ad hoc')),
    is_org_admin    BOOLEAN NOT NULL DEFAULT FALSE,
    plan_id         BIGINT REFERENCES plans (id) ON DELETE SET NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organisation_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

-- One pending removal request per organisation. The requester is copied, not referenced: the request
-- must still say who filed it if that account goes.
CREATE TABLE organisation_removal_requests (
    id                 BIGINT PRIMARY KEY,
    organisation_id    BIGINT NOT NULL UNIQUE REFERENCES organisations (id) ON DELETE CASCADE,
    requested_by_id    BIGINT NOT NULL,
    requested_by_email TEXT NOT NULL,
    requested_at       TIMESTAMPTZ NOT NULL,
    notify_contact     BOOLEAN NOT NULL
);

-- Audit records outlive organisations and accounts: plain columns, no foreign keys.
CREATE TABLE audit_records (
    id              BIGINT PRIMARY KEY,
    occurred_at     TIMESTAMPTZ NOT NULL,
    organisation_id BIGINT,
    user_id         BIGINT,
    user_email      TEXT,
    client_id       TEXT,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    status          INTEGER NOT NULL,
    remote_address  TEXT NOT NULL,
    action          TEXT NOT NULL,
    category        TEXT NOT NULL
);
CREATE INDEX audit_records_organisation ON audit_records (organisation_id, occurred_at, id);
CREATE INDEX audit_records_time ON audit_records (occurred_at, id);
