package store

import (
	"context"
	"time"

	"github.com/cocoondata/access-service/internal/contact"
	"github.com/cocoondata/access-service/internal/listing"
)

type contactRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	OwnerID    int64
	Email      string
	FirstName  *string
	LastName   *string
	CreatedAt  time.Time
	ModifiedAt time.Time
}

func (contactRow) TableName() string { return "contacts" }

func contactToRow(c contact.Contact) contactRow {
	return contactRow{ID: c.ID, OwnerID: c.OwnerID, Email: c.Email, FirstName: c.FirstName, LastName: c.LastName,
		CreatedAt: c.CreatedAt, ModifiedAt: c.ModifiedAt}
}

func contactFromRow(r contactRow) contact.Contact {
	return contact.Contact{ID: r.ID, OwnerID: r.OwnerID, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName,
		CreatedAt: r.CreatedAt.UTC(), ModifiedAt: r.ModifiedAt.UTC()}
}

// Contacts is the address books' store (contact.Store).
type Contacts struct{ scope }

// Having returns which of the addresses the owner's book has, in one statement (the unique index on
// owner and email answers it).
func (x Contacts) Having(ctx context.Context, ownerID int64, emails []string) ([]string, error) {
	var have []string
	err := x.s.conn(ctx).Model(&contactRow{}).Where("owner_id = ? AND email IN ?", ownerID, emails).Pluck("email", &have).Error
	return have, wrap(err, "contacts.having", ownerID)
}

// Add stores the contacts in one statement, so all or none.
func (x Contacts) Add(ctx context.Context, contacts []contact.Contact) error {
	rows := make([]contactRow, len(contacts))
	for i, c := range contacts {
		rows[i] = contactToRow(c)
	}
	err := x.s.conn(ctx).Create(&rows).Error
	if isDuplicate(err) {
		return contact.ErrDuplicate
	}
	if isForeignKey(err) {
		return contact.ErrOwnerGone
	}
	return wrap(err, "contacts.add", len(contacts))
}

// contactList: names sort case-insensitively, a missing name as an empty one (so first on ASC on
// PostgreSQL and SQLite alike, whose NULLs sort at opposite ends); email is stored lower-cased.
var contactList = listSpec{id: "id", sorts: map[string]string{
	"": "email", "email": "email",
	"firstName": "LOWER(COALESCE(first_name, ''))", "lastName": "LOWER(COALESCE(last_name, ''))"}}

// Page is one page of the owner's book; q.Search (lower case) is looked for in the email and names.
func (x Contacts) Page(ctx context.Context, ownerID int64, q listing.Query) (listing.Page[contact.Contact], error) {
	base := x.s.conn(ctx).Model(&contactRow{}).Where("owner_id = ?", ownerID)
	if q.Search != "" {
		p := likePattern(q.Search)
		base = base.Where("(email LIKE ? ESCAPE '\\' OR LOWER(COALESCE(first_name, '')) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(last_name, '')) LIKE ? ESCAPE '\\')", p, p, p)
	}
	p, err := list(base, q, contactList, "", always(contactFromRow))
	return p, wrap(err, "contacts.page", ownerID)
}

// Lock reads the owner's contact and locks it for the rest of the transaction.
func (x Contacts) Lock(ctx context.Context, ownerID, id int64) (contact.Contact, error) {
	row, err := take1[contactRow](x.s.forUpdate(x.s.conn(ctx)).Where("id = ? AND owner_id = ?", id, ownerID),
		contact.ErrNotFound, "contacts.lock", id)
	return contactFromRow(row), err
}

// Replace stores the contact's email, names and modification time.
func (x Contacts) Replace(ctx context.Context, c contact.Contact) error {
	res := x.s.conn(ctx).Model(&contactRow{}).Where("id = ? AND owner_id = ?", c.ID, c.OwnerID).Updates(map[string]any{
		"email": c.Email, "first_name": c.FirstName, "last_name": c.LastName, "modified_at": c.ModifiedAt})
	if isDuplicate(res.Error) {
		return contact.ErrDuplicate
	}
	return affected(res, contact.ErrNotFound, "contacts.replace", c.ID)
}

// Delete deletes the owner's contact.
func (x Contacts) Delete(ctx context.Context, ownerID, id int64) error {
	res := x.s.conn(ctx).Where("id = ? AND owner_id = ?", id, ownerID).Delete(&contactRow{})
	return affected(res, contact.ErrNotFound, "contacts.delete", id)
}
