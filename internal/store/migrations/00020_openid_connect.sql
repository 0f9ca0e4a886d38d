-- +goose Up
-- OpenID Connect (internal/oauth/idtoken.go). A sign-in session records when its user entered their
-- password (auth_time: max_age and the ID token's auth_time); a code carries it, with the authorization
-- request's nonce, to the ID token its exchange issues. Sessions already there signed in when they
-- were made.
ALTER TABLE auth_sessions ADD COLUMN auth_time TIMESTAMPTZ;
UPDATE auth_sessions SET auth_time = created_at;
ALTER TABLE authorization_codes ADD COLUMN nonce TEXT NOT NULL DEFAULT '';
ALTER TABLE authorization_codes ADD COLUMN auth_time TIMESTAMPTZ;

-- +goose Down
ALTER TABLE authorization_codes DROP COLUMN auth_time;
ALTER TABLE authorization_codes DROP COLUMN nonce;
ALTER TABLE auth_sessions DROP COLUMN auth_time;
