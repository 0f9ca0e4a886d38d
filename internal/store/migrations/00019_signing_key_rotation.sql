-- +goose Up
-- Signing key rotation (internal/oauth/keys.go). generation numbers the keys in the order they were
-- made; its unique index is what keeps two instances rotating at the same moment from both adding a
-- key: each adds the newest generation plus one, and the second insert fails. signs_from is when a key
-- starts signing (it is published in the JWKS from its creation, so verifiers that cache the JWKS see
-- it first); retired_at is when it left the JWKS and stopped verifying. The keys already there sign
-- from their creation and are numbered by it.
ALTER TABLE signing_keys ADD COLUMN generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE signing_keys ADD COLUMN signs_from TIMESTAMPTZ;
ALTER TABLE signing_keys ADD COLUMN retired_at TIMESTAMPTZ;
UPDATE signing_keys SET signs_from = created_at,
    generation = (SELECT COUNT(*) FROM signing_keys s
                  WHERE s.created_at < signing_keys.created_at
                     OR (s.created_at = signing_keys.created_at AND s.kid <= signing_keys.kid));
CREATE UNIQUE INDEX signing_keys_generation ON signing_keys (generation);

-- +goose Down
DROP INDEX signing_keys_generation;
ALTER TABLE signing_keys DROP COLUMN retired_at;
ALTER TABLE signing_keys DROP COLUMN signs_from;
ALTER TABLE signing_keys DROP COLUMN generation;
