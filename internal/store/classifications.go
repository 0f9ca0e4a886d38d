package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/cocoondata/access-service/internal/classification"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/organisation"
)

type classificationRow struct {
	ID             int64 `gorm:"primaryKey;autoIncrement:false"`
	OrganisationID int64
	Name           string
	NameKey        string
	Description    string
	Priority       int
	ApplyI18n      bool `gorm:"column:apply_i18n"`
	CreatedAt      time.Time
}

func (classificationRow) TableName() string { return "classifications" }

func classificationFromRow(r classificationRow) classification.Classification {
	return classification.Classification{
		ID: r.ID, OrganisationID: r.OrganisationID, Name: r.Name, Description: r.Description, Priority: r.Priority,
		ApplyI18n: r.ApplyI18n, CreatedAt: r.CreatedAt.UTC(),
	}
}

// Classifications is the classifications' store (classification.Store).
type Classifications struct{ scope }

// lockOrganisation takes the organisation's row lock for the rest of the transaction (Organisations.Lock),
// answering gone when there is no such organisation: the lock the organisation-scoped domains take
// before changing anything of one organisation.
func (x scope) lockOrganisation(ctx context.Context, orgID int64, gone error) error {
	_, err := Organisations{x}.Lock(ctx, orgID)
	if errors.Is(err, organisation.ErrNotFound) {
		return gone
	}
	return err
}

// LockOrganisation takes the organisation's row lock for the rest of the transaction.
func (x Classifications) LockOrganisation(ctx context.Context, orgID int64) error {
	return x.lockOrganisation(ctx, orgID, classification.ErrOrganisationGone)
}

// organisationExists reports whether the organisation exists: the one look-up behind the domains'
// OrganisationExists (op names the caller in an error).
func (x scope) organisationExists(ctx context.Context, orgID int64, op string) (bool, error) {
	var n int64
	err := x.s.conn(ctx).Model(&organisationRow{}).Where("id = ?", orgID).Count(&n).Error
	return n > 0, wrap(err, op, orgID)
}

// OrganisationExists reports whether the organisation exists.
func (x Classifications) OrganisationExists(ctx context.Context, orgID int64) (bool, error) {
	return x.organisationExists(ctx, orgID, "classifications.organisation_exists")
}

// LowestPriority is the largest priority number the organisation's classifications have, 0 if none.
func (x Classifications) LowestPriority(ctx context.Context, orgID int64) (int, error) {
	var n *int
	err := x.s.conn(ctx).Model(&classificationRow{}).Where("organisation_id = ?", orgID).Select("MAX(priority)").Scan(&n).Error
	if err != nil || n == nil {
		return 0, wrap(err, "classifications.lowest_priority", orgID)
	}
	return *n, nil
}

// Create stores a classification; a name the organisation has in any case is classification.ErrNameTaken.
// The name is looked up first: on PostgreSQL a failed statement ends the transaction, so the unique
// index's refusal could not be told apart from the priority index's afterwards. Callers hold the
// organisation's lock, so nobody can take the name between the look-up and the insert; the unique
// indexes still refuse what a caller without the lock would get wrong.
func (x Classifications) Create(ctx context.Context, c classification.Classification) error {
	row := classificationRow{
		ID: c.ID, OrganisationID: c.OrganisationID, Name: c.Name, NameKey: lowerKey(c.Name), Description: c.Description,
		Priority: c.Priority, ApplyI18n: c.ApplyI18n, CreatedAt: c.CreatedAt,
	}
	if err := nameFree[classificationRow](x.s.conn(ctx), c.OrganisationID, 0, row.NameKey, classification.ErrNameTaken); err != nil {
		return err
	}
	err := x.s.conn(ctx).Create(&row).Error
	if isForeignKey(err) {
		return classification.ErrOrganisationGone
	}
	return wrap(err, "classifications.create", c.ID)
}

// nameFree checks that no row of R in the organisation, other than the one with id except, has the name
// key: taken is the domain's error when one has.
func nameFree[R any](db *gorm.DB, orgID, except int64, key string, taken error) error {
	var n int64
	err := db.Model(new(R)).Where("organisation_id = ? AND name_key = ? AND id <> ?", orgID, key, except).Count(&n).Error
	if err != nil {
		return wrap(err, "name_free", key)
	}
	if n > 0 {
		return taken
	}
	return nil
}

// Get reads the organisation's classification.
func (x Classifications) Get(ctx context.Context, orgID, id int64) (classification.Classification, error) {
	row, err := take1[classificationRow](x.s.conn(ctx).Where("id = ? AND organisation_id = ?", id, orgID),
		classification.ErrNotFound, "classifications.get", id)
	return classificationFromRow(row), err
}

// AtPriority reads the organisation's classification with this priority.
func (x Classifications) AtPriority(ctx context.Context, orgID int64, priority int) (classification.Classification, error) {
	row, err := take1[classificationRow](x.s.conn(ctx).Where("organisation_id = ? AND priority = ?", orgID, priority),
		classification.ErrNotFound, "classifications.at_priority", priority)
	return classificationFromRow(row), err
}

var classificationList = listSpec{id: "id", sorts: map[string]string{
	"": "priority", "priority": "priority", "name": "name_key", "createdAt": "created_at"}}

// Page is one page of the organisation's classifications.
func (x Classifications) Page(ctx context.Context, orgID int64, q listing.Query) (listing.Page[classification.Classification], error) {
	base := x.s.conn(ctx).Model(&classificationRow{}).Where("organisation_id = ?", orgID)
	p, err := list(base, q, classificationList, "", always(classificationFromRow))
	return p, wrap(err, "classifications.page", orgID)
}

// Delete deletes the organisation's classification; its links to clearances go by ON DELETE CASCADE in
// the same statement.
func (x Classifications) Delete(ctx context.Context, orgID, id int64) error {
	// Its links go by ON DELETE CASCADE: the clearances linked to it count one classification fewer.
	err := x.s.conn(ctx).Exec("UPDATE clearances SET label_count = label_count - 1 WHERE id IN "+
		"(SELECT clearance_id FROM clearance_classifications WHERE organisation_id = ? AND classification_id = ?)", orgID, id).Error
	if err != nil {
		return wrap(err, "classifications.delete", id)
	}
	res := x.s.conn(ctx).Where("id = ? AND organisation_id = ?", id, orgID).Delete(&classificationRow{})
	return affected(res, classification.ErrNotFound, "classifications.delete", id)
}

// Raise moves every classification of the organisation below priority up one place. A unique index is
// checked row by row, so shifting in place (priority - 1) could meet a row not yet moved: the rows are
// moved to the negated new priorities first (no live priority is negative), then made positive.
func (x Classifications) Raise(ctx context.Context, orgID int64, below int) error {
	db := x.s.conn(ctx).Model(&classificationRow{})
	err := db.Where("organisation_id = ? AND priority > ?", orgID, below).Update("priority", gorm.Expr("1 - priority")).Error
	if err == nil {
		err = x.s.conn(ctx).Model(&classificationRow{}).Where("organisation_id = ? AND priority < 0", orgID).
			Update("priority", gorm.Expr("-priority")).Error
	}
	return wrap(err, "classifications.raise", orgID)
}

// Swap exchanges the priorities of a and b, through negative values for the reason Raise gives.
func (x Classifications) Swap(ctx context.Context, orgID int64, a, b classification.Classification) error {
	ids := []int64{a.ID, b.ID}
	err := x.s.conn(ctx).Model(&classificationRow{}).Where("organisation_id = ? AND id IN ?", orgID, ids).
		Update("priority", gorm.Expr("CASE WHEN id = ? THEN CAST(? AS INTEGER) ELSE CAST(? AS INTEGER) END", a.ID, -b.Priority, -a.Priority)).Error
	if err == nil {
		err = x.s.conn(ctx).Model(&classificationRow{}).Where("organisation_id = ? AND id IN ?", orgID, ids).
			Update("priority", gorm.Expr("-priority")).Error
	}
	return wrap(err, "classifications.swap", ids)
}
