-- +goose Up
-- Multi-factor sign-in (internal/oauth/mfa.go). Sessions, codes and refresh tokens remember whether the
-- sign-in they come from gave a second factor, for the tokens' amr claim and so that a session begun
-- before a user's MFA was required does not skip it.
ALTER TABLE auth_sessions ADD COLUMN mfa BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE authorization_codes ADD COLUMN mfa BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE refresh_tokens ADD COLUMN mfa BOOLEAN NOT NULL DEFAULT FALSE;

-- The server's record of each restrictive token (the first step of an MFA sign-in), by its jti: the
-- wrong codes given (five end it) and whether the second step was done (once).
CREATE TABLE mfa_challenges (
    token_id      TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_app_id BIGINT NOT NULL REFERENCES client_apps (id) ON DELETE CASCADE,
    scope         TEXT NOT NULL DEFAULT '',
    failures      INTEGER NOT NULL DEFAULT 0,
    spent_at      TIMESTAMPTZ,
    expires_at    TIMESTAMPTZ NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX mfa_challenges_user ON mfa_challenges (user_id, expires_at);

-- +goose Down
DROP TABLE mfa_challenges;
ALTER TABLE refresh_tokens DROP COLUMN mfa;
ALTER TABLE authorization_codes DROP COLUMN mfa;
ALTER TABLE auth_sessions DROP COLUMN mfa;
