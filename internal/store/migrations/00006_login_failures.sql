-- +goose Up
-- Failed sign-ins per (account, source address): the retry limit locks that address out of that
-- account; the account as a whole (users.failed_logins, users.locked_until) locks only after four
-- times the limit from all addresses together, so nobody can lock anybody out from afar.
CREATE TABLE login_failures (
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    address      TEXT NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    PRIMARY KEY (user_id, address)
);
