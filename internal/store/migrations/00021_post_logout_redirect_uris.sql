-- +goose Up
-- Where a client application may send the browser after signing out (OpenID Connect RP-initiated
-- logout's post_logout_redirect_uri), space-separated like redirect_uris.
ALTER TABLE client_apps ADD COLUMN post_logout_redirect_uris TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE client_apps DROP COLUMN post_logout_redirect_uris;
