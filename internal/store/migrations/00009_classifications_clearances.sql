-- +goose Up
-- Classifications (the API's labels) mark files; their priorities number them 1..n within the
-- organisation. The unique (organisation_id, priority) is the database's own guard that no two share a
-- place: the service renumbers through negative values (classifications.go in the store), because a
-- unique index is checked row by row and an in-place shift would collide with itself.
CREATE TABLE classifications (
    id              BIGINT PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL, -- lower(name): names are unique in the organisation case-insensitively
    description     TEXT NOT NULL DEFAULT '',
    priority        INTEGER NOT NULL CHECK (priority <> 0),
    apply_i18n      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (organisation_id, name_key),
    UNIQUE (organisation_id, priority),
    UNIQUE (organisation_id, id) -- the target of the links' foreign keys, which name the organisation
);

-- Clearances (the API's groups): sets of the organisation's users linked to classifications.
CREATE TABLE clearances (
    id              BIGINT PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (organisation_id, name_key),
    UNIQUE (organisation_id, id)
);

-- The links carry the organisation so that their foreign keys can say both ends belong to it: a
-- clearance can be linked only to its own organisation's classifications, and hold only members of its
-- own organisation. Deleting a classification, a clearance, a membership (a member removed from the
-- organisation) or the organisation takes the links with it.
CREATE TABLE clearance_classifications (
    organisation_id   BIGINT NOT NULL,
    clearance_id      BIGINT NOT NULL,
    classification_id BIGINT NOT NULL,
    PRIMARY KEY (clearance_id, classification_id),
    FOREIGN KEY (organisation_id, clearance_id) REFERENCES clearances (organisation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organisation_id, classification_id) REFERENCES classifications (organisation_id, id) ON DELETE CASCADE
);
CREATE INDEX clearance_classifications_classification ON clearance_classifications (organisation_id, classification_id);

CREATE TABLE clearance_members (
    organisation_id BIGINT NOT NULL,
    clearance_id    BIGINT NOT NULL,
    user_id         BIGINT NOT NULL,
    PRIMARY KEY (clearance_id, user_id),
    FOREIGN KEY (organisation_id, clearance_id) REFERENCES clearances (organisation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organisation_id, user_id) REFERENCES memberships (organisation_id, user_id) ON DELETE CASCADE
);
CREATE INDEX clearance_members_user ON clearance_members (organisation_id, user_id);

-- +goose Down
DROP TABLE clearance_members;
DROP TABLE clearance_classifications;
DROP TABLE clearances;
DROP TABLE classifications;
