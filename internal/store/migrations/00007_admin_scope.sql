-- +goose Up
-- The admin scope (the SafeShare administrators' operations) is now required by those operations. The
-- platform's own web interfaces are the auto-approved (first-party) apps: they get it, so they keep
-- working; third-party apps do not, and a SafeShare administrator may add it to one that needs it.
UPDATE client_apps
SET scope = TRIM(scope || ' admin')
WHERE auto_approve AND (' ' || scope || ' ') NOT LIKE '% admin %';

-- +goose Down
UPDATE client_apps
SET scope = TRIM(REPLACE(' ' || scope || ' ', ' admin ', ' '))
WHERE auto_approve;
