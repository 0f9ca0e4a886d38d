-- +goose Up
-- Multi-factor authentication (internal/mfa). A user's TOTP keys are secrets: kept as given (base32
-- text) because each code check needs them, shown to the user only while pairing, never returned
-- afterwards, and never written to logs or audit records. users.mfa_enabled (MFA enabled on the account
-- by an administrator) is not changed here: these tables say whether an authenticator is paired.

-- The active authenticator: at most one per user. last_step is the time step (Unix time / 30) of the
-- last code accepted; a code is accepted only for a later step (replay protection).
CREATE TABLE mfa_authenticators (
    user_id   BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    totp_key  TEXT NOT NULL,
    last_step BIGINT NOT NULL,
    paired_at TIMESTAMPTZ NOT NULL
);

-- A key shown to its user and not yet confirmed by a code: at most one per user.
CREATE TABLE mfa_pairings (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    totp_key   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Emailed set-up links: single use, 24 hours. Only the SHA-256 of a link's token is kept (hex).
CREATE TABLE mfa_setup_links (
    digest     TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX mfa_setup_links_user ON mfa_setup_links (user_id);

-- +goose Down
DROP TABLE mfa_setup_links;
DROP TABLE mfa_pairings;
DROP TABLE mfa_authenticators;
