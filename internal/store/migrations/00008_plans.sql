-- +goose Up
-- The plans API (internal/plan). Names are unique in an organisation case-insensitively: name_key is
-- the name lower-cased by the service, as organisations.name_key is, so PostgreSQL and SQLite agree on
-- what "the same name" is whatever their collations.
ALTER TABLE plans ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE plans SET name_key = LOWER(name);
-- Plans made before this rule (by tools) may share a name in an organisation: every one but the oldest
-- gets a key of its own, so the index below can be built; their names are left as they were.
UPDATE plans SET name_key = name_key || ' #' || CAST(id AS TEXT)
WHERE EXISTS (SELECT 1 FROM plans older
              WHERE older.organisation_id = plans.organisation_id AND older.name_key = plans.name_key AND older.id < plans.id);
CREATE UNIQUE INDEX plans_name ON plans (organisation_id, name_key);

-- An organisation with plans always has exactly one default (plans_one_default allows at most one):
-- one whose plans were made without a default gets its oldest plan as the default.
UPDATE plans SET is_default = TRUE
WHERE id IN (SELECT MIN(p.id) FROM plans p GROUP BY p.organisation_id
             HAVING SUM(CASE WHEN p.is_default THEN 1 ELSE 0 END) = 0);

-- An Originator always has a plan: one left without (their plan deleted before plans moved their
-- Originators) gets their organisation's default, if it has one.
UPDATE memberships SET plan_id = (SELECT p.id FROM plans p WHERE p.organisation_id = memberships.organisation_id AND p.is_default)
WHERE role = 'Originator' AND plan_id IS NULL;

-- Originators by plan: the counts of the plan lists and statistics, moving a deleted plan's
-- Originators, and the foreign key's ON DELETE SET NULL, which looks memberships up by plan.
CREATE INDEX memberships_plan ON memberships (plan_id);
