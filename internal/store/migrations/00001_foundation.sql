-- +goose Up
CREATE TABLE users (
    id              BIGINT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    password_hash   TEXT,
    first_name      TEXT,
    last_name       TEXT,
    other_name      TEXT,
    mobile_number   TEXT,
    mfa_enabled     BOOLEAN NOT NULL DEFAULT FALSE,
    safeshare_admin BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE client_apps (
    id                     BIGINT PRIMARY KEY,
    client_id              TEXT NOT NULL UNIQUE,
    secret_hash            TEXT,
    app_name               TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    access_token_validity  INTEGER NOT NULL,
    refresh_token_validity INTEGER NOT NULL,
    grant_types            TEXT NOT NULL,
    redirect_uris          TEXT NOT NULL DEFAULT '',
    scope                  TEXT NOT NULL DEFAULT '',
    auto_approve           BOOLEAN NOT NULL DEFAULT FALSE,
    enabled                BOOLEAN NOT NULL DEFAULT TRUE,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);

CREATE TABLE refresh_tokens (
    id            BIGINT PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    family_id     BIGINT NOT NULL,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_app_id BIGINT NOT NULL REFERENCES client_apps (id) ON DELETE CASCADE,
    scope         TEXT NOT NULL DEFAULT '',
    expires_at    TIMESTAMPTZ NOT NULL,
    used_at       TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_client ON refresh_tokens (user_id, client_app_id);

CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    private_pem TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE properties (
    id          BIGINT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    value       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    public      BOOLEAN NOT NULL DEFAULT FALSE,
    description TEXT NOT NULL,
    modified    TIMESTAMPTZ NOT NULL
);
INSERT INTO properties (id, name, value, kind, public, description, modified) VALUES
    (1, 'passwordMinLength', '12', 'integer', TRUE, 'Minimum length of a password, in characters.', CURRENT_TIMESTAMP),
    (2, 'passwordMaxLength', '1024', 'integer', TRUE, 'Maximum length of a password, in characters.', CURRENT_TIMESTAMP),
    (3, 'maxPasswordRetries', '5', 'integer', FALSE, 'Consecutive failed sign-ins after which an account locks for 15 minutes.', CURRENT_TIMESTAMP),
    (4, 'orgRemovalActionDays', '30', 'integer', FALSE, 'Days a pending organisation removal request stays open.', CURRENT_TIMESTAMP),
    (5, 'contentServiceURL', '', 'url', TRUE, 'Base URL of the Content Service.', CURRENT_TIMESTAMP),
    (6, 'webappServiceURL', '', 'url', TRUE, 'Base URL of the web application.', CURRENT_TIMESTAMP);
