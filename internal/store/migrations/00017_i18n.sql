-- +goose Up
-- Languages (internal/i18n): the platform's default locale and the custom bundles administrators
-- upload. version rises with every change, so each instance learns with one small read whether its
-- copy in memory is still the store's; the change that raises it also holds the row's lock, which
-- orders concurrent changes.
CREATE TABLE i18n_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    default_locale TEXT NOT NULL,
    version        BIGINT NOT NULL,
    modified       TIMESTAMPTZ NOT NULL
);
INSERT INTO i18n_settings (id, default_locale, version, modified) VALUES (1, 'en_us', 1, CURRENT_TIMESTAMP);

-- A locale's custom bundle: a JSON object of strings, checked by i18n.ParseBundle before it is stored.
CREATE TABLE i18n_bundles (
    locale   TEXT PRIMARY KEY,
    strings  TEXT NOT NULL,
    modified TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE i18n_bundles;
DROP TABLE i18n_settings;
