-- +goose Up
-- The platform properties (issue 19): the documented dotted names, the area each belongs to
-- (grouping: security, services, analytics, client) and the ones the original has that we lacked.
-- Values already set are kept. public says configGroup: public when GET /api/v1/config shows the
-- value, else server. Ids stay as they were; a new property gets a new id, never a removed one's.
-- The ranges and the types' rules are the code's (internal/property), not rows' data.
ALTER TABLE properties ADD COLUMN grouping TEXT NOT NULL DEFAULT 'security';

UPDATE properties SET name = 'password.min.length', grouping = 'security', public = TRUE,
    description = 'Minimum length of a password, in characters (8–1024).' WHERE name = 'passwordMinLength';
UPDATE properties SET name = 'password.max.length', grouping = 'security', public = TRUE,
    description = 'Maximum length of a password, in characters (up to 4096, and not below the minimum).' WHERE name = 'passwordMaxLength';
UPDATE properties SET name = 'password.max.retries', grouping = 'security', public = FALSE,
    description = 'Consecutive failed sign-ins from one address after which it is locked out of the account for 15 minutes (1–100).' WHERE name = 'maxPasswordRetries';
UPDATE properties SET name = 'content.service.url', grouping = 'services', public = TRUE,
    description = 'Base URL of the Content Service (an absolute http or https URL; empty while unset).' WHERE name = 'contentServiceURL';
UPDATE properties SET name = 'webapp.service.url', grouping = 'services', public = TRUE,
    description = 'Base URL of the web application (an absolute http or https URL; empty while unset).' WHERE name = 'webappServiceURL';

-- A theme property now (GET /theme), kept by the theme's own table.
DELETE FROM properties WHERE name = 'orgRemovalActionDays';

INSERT INTO properties (id, name, value, kind, public, grouping, description, modified) VALUES
    (7, 'temporary.password.expiry.hours', '72', 'integer', FALSE, 'security', 'Hours an emailed link (such as the multi-factor set-up link) stays usable (1–8760).', CURRENT_TIMESTAMP),
    (8, 'analytics.google.trackingCode', '', 'string', TRUE, 'analytics', 'Google Analytics tracking code of the web interfaces; empty for none.', CURRENT_TIMESTAMP),
    (9, 'analytics.google.trackingDomain', '', 'string', TRUE, 'analytics', 'Google Analytics domain of the web interfaces; empty for none.', CURRENT_TIMESTAMP),
    (10, 'require.login.on.launch', 'false', 'boolean', TRUE, 'client', 'Whether client applications ask the user to sign in every time they start.', CURRENT_TIMESTAMP),
    (11, 'document.viewer.enabled', 'true', 'boolean', TRUE, 'client', 'Whether the web interfaces offer the document viewer.', CURRENT_TIMESTAMP);

-- +goose Down
DELETE FROM properties WHERE id IN (7, 8, 9, 10, 11);
INSERT INTO properties (id, name, value, kind, public, description, modified) VALUES
    (4, 'orgRemovalActionDays', '30', 'integer', FALSE, 'Days a pending organisation removal request stays open.', CURRENT_TIMESTAMP);
UPDATE properties SET name = 'passwordMinLength', description = 'Minimum length of a password, in characters.' WHERE name = 'password.min.length';
UPDATE properties SET name = 'passwordMaxLength', description = 'Maximum length of a password, in characters.' WHERE name = 'password.max.length';
UPDATE properties SET name = 'maxPasswordRetries', description = 'Consecutive failed sign-ins after which an account locks for 15 minutes.' WHERE name = 'password.max.retries';
UPDATE properties SET name = 'contentServiceURL', description = 'Base URL of the Content Service.' WHERE name = 'content.service.url';
UPDATE properties SET name = 'webappServiceURL', description = 'Base URL of the web application.' WHERE name = 'webapp.service.url';
ALTER TABLE properties DROP COLUMN grouping;
