-- +goose Up
-- Third-party apps: approvals, authorization codes, sign-in sessions of the authorization pages, and
-- the revocations of access tokens that every instance keeps in memory.

CREATE TABLE approvals (
    id            BIGINT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_app_id BIGINT NOT NULL REFERENCES client_apps (id) ON DELETE CASCADE,
    scope         TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, client_app_id)
);
CREATE INDEX approvals_client ON approvals (client_app_id);

CREATE TABLE authorization_codes (
    code_hash      TEXT PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_app_id  BIGINT NOT NULL REFERENCES client_apps (id) ON DELETE CASCADE,
    redirect_uri   TEXT NOT NULL,
    scope          TEXT NOT NULL DEFAULT '',
    code_challenge TEXT NOT NULL DEFAULT '',
    expires_at     TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    -- set when the code is exchanged; kept so a second use can revoke what the first one got
    used_at        TIMESTAMPTZ,
    token_id       TEXT NOT NULL DEFAULT '',
    family_id      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX authorization_codes_user_client ON authorization_codes (user_id, client_app_id);
CREATE INDEX authorization_codes_client ON authorization_codes (client_app_id);

CREATE TABLE auth_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);

-- user_id 0: every user; client_id '': every client; token_id not '': one access token.
CREATE TABLE token_revocations (
    id          BIGINT PRIMARY KEY,
    user_id     BIGINT NOT NULL DEFAULT 0,
    client_id   TEXT NOT NULL DEFAULT '',
    token_id    TEXT NOT NULL DEFAULT '',
    cutoff      TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX token_revocations_recorded ON token_revocations (recorded_at);

CREATE INDEX refresh_tokens_client ON refresh_tokens (client_app_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
