-- +goose Up
-- Emailed links to choose a password (internal/passwordlink): an invitation, sent to an account an
-- administrator made without a password, or a password reset, asked for on the "Forgot password?"
-- page. Each is single use and expires; only the SHA-256 of a link's token is kept (hex), never the
-- token. A new link of an account and purpose makes the earlier unused ones expire; choosing a password
-- spends the link and makes every other unused link of the account expire.
CREATE TABLE password_links (
    digest     TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invitation', 'reset')),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX password_links_user ON password_links (user_id, purpose);

-- +goose Down
DROP TABLE password_links;
