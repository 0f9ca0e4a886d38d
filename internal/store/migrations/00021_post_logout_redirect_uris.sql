-- +goose Up
-- Where a client application may send the browser after signing out (OpenID Connect RP-initiated
-- logout's post_logout_redirect_uri), space-separated like redirect_uris.
ALTER TABLE client_apps ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '';

-- A sign-in to the service's own pages (the account page) is for no client application: its MFA step's
-- challenge has no client_app_id. The table is rebuilt (SQLite cannot drop a NOT NULL); its rows live
-- five minutes and are copied.
CREATE TABLE mfa_challenges_rebuilt (
    token_id      TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_app_id BIGINT REFERENCES client_apps (id) ON DELETE CASCADE,
    scope         TEXT NOT NULL DEFAULT '',
    failures      INTEGER NOT NULL DEFAULT 0,
    spent_at      TIMESTAMPTZ,
    expires_at    TIMESTAMPTZ NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
INSERT INTO mfa_challenges_rebuilt (token_id, user_id, client_app_id, scope, failures, spent_at, expires_at, created_at)
    SELECT token_id, user_id, client_app_id, scope, failures, spent_at, expires_at, created_at FROM mfa_challenges;
DROP TABLE mfa_challenges;
ALTER TABLE mfa_challenges_rebuilt RENAME TO mfa_challenges;
CREATE INDEX mfa_challenges_user ON mfa_challenges (user_id, expires_at);

-- +goose Down
CREATE TABLE mfa_challenges_rebuilt (
    token_id      TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_app_id BIGINT NOT NULL REFERENCES client_apps (id) ON DELETE CASCADE,
    scope         TEXT NOT NULL DEFAULT '',
    failures      INTEGER NOT NULL DEFAULT 0,
    spent_at      TIMESTAMPTZ,
    expires_at    TIMESTAMPTZ NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
INSERT INTO mfa_challenges_rebuilt (token_id, user_id, client_app_id, scope, failures, spent_at, expires_at, created_at)
    SELECT token_id, user_id, client_app_id, scope, failures, spent_at, expires_at, created_at FROM mfa_challenges
    WHERE client_app_id IS NOT NULL;
DROP TABLE mfa_challenges;
ALTER TABLE mfa_challenges_rebuilt RENAME TO mfa_challenges;
CREATE INDEX mfa_challenges_user ON mfa_challenges (user_id, expires_at);
ALTER TABLE client_apps DROP COLUMN post_logout_redirect_uris;
