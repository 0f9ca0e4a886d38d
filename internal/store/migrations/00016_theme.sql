-- +goose Up
-- The platform's theme ("System Details", internal/theme): one row per property set; a property
-- without a row is at its default. Names are checked by the theme's rules, not here.
CREATE TABLE theme_properties (
    name     TEXT PRIMARY KEY,
    value    TEXT NOT NULL,
    modified TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE theme_properties;
