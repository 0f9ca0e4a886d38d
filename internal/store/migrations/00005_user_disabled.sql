-- +goose Up
-- An operator can disable an account (access-service user disable): it cannot sign in, and every
-- session and token it had ended when it was disabled.
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;

