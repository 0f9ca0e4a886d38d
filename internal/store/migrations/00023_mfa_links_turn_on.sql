-- +goose Up
-- A set-up link made on the account page by someone whose MFA nobody requires turns MFA on for the
-- account when it is completed (they chose it); an emailed link (an administrator's or an
-- organisation's requirement) leaves the account's own setting as it is.
ALTER TABLE mfa_setup_links ADD COLUMN turns_on BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE mfa_setup_links DROP COLUMN turns_on;
