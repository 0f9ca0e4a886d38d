-- +goose Up
-- Each user's address book (internal/contact). The service stores an address lower-cased
-- (user.NormalizeEmail), so the unique index holds each address once per book as the service compares
-- addresses, on PostgreSQL and SQLite alike whatever their collations; it also answers the book's reads
-- (by owner, by owner and address, ordered by address). A removed account takes its book with it.
CREATE TABLE contacts (
    id          BIGINT PRIMARY KEY,
    owner_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    first_name  TEXT,
    last_name   TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    modified_at TIMESTAMPTZ NOT NULL,
    UNIQUE (owner_id, email)
);

-- +goose Down
DROP TABLE contacts;
