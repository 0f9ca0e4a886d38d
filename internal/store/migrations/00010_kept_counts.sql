-- +goose Up
-- Counts kept beside the rows they count, so the statistics and the clearance lists read one row
-- instead of counting thousands on every request. The store changes each in the statement that
-- changes what it counts (store/organisations.go, clearances.go, classifications.go); the organisation's
-- lock, which every membership change takes, keeps the read-then-write of a member's old role exact.
-- Ad hoc members count nowhere; an administrator counts in admin_count and in their role.
ALTER TABLE organisations ADD COLUMN originator_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organisations ADD COLUMN collaborator_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organisations ADD COLUMN admin_count BIGINT NOT NULL DEFAULT 0;
UPDATE organisations SET
    originator_count = (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = organisations.id AND m.role = 'Originator'),
    collaborator_count = (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = organisations.id AND m.role = 'Collaborator'),
    admin_count = (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = organisations.id AND m.is_org_admin AND m.role <> 'Ad hoc');

ALTER TABLE clearances ADD COLUMN label_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE clearances ADD COLUMN member_count BIGINT NOT NULL DEFAULT 0;
UPDATE clearances SET
    label_count = (SELECT COUNT(*) FROM clearance_classifications l WHERE l.clearance_id = clearances.id),
    member_count = (SELECT COUNT(*) FROM clearance_members m WHERE m.clearance_id = clearances.id);

-- +goose Down
ALTER TABLE clearances DROP COLUMN member_count;
ALTER TABLE clearances DROP COLUMN label_count;
ALTER TABLE organisations DROP COLUMN admin_count;
ALTER TABLE organisations DROP COLUMN collaborator_count;
ALTER TABLE organisations DROP COLUMN originator_count;
