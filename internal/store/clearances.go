package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cocoondata/access-service/internal/clearance"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/organisation"
)

type clearanceRow struct {
	ID             int64 `gorm:"primaryKey;autoIncrement:false"`
	OrganisationID int64
	Name           string
	NameKey        string
	Description    string
	CreatedAt      time.Time
}

func (clearanceRow) TableName() string { return "clearances" }

type clearanceClassificationRow struct {
	OrganisationID   int64
	ClearanceID      int64 `gorm:"primaryKey;autoIncrement:false"`
	ClassificationID int64 `gorm:"primaryKey;autoIncrement:false"`
}

func (clearanceClassificationRow) TableName() string { return "clearance_classifications" }

type clearanceMemberRow struct {
	OrganisationID int64
	ClearanceID    int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID         int64 `gorm:"primaryKey;autoIncrement:false"`
}

func (clearanceMemberRow) TableName() string { return "clearance_members" }

// clearanceWithCounts is a clearance with how many classifications and members it has: counts kept in
// its row (migration 00010) by the statements that link, unlink, add and remove (here), delete a
// classification (Classifications.Delete) or remove a member from the organisation
// (Organisations.RemoveMember), so a page of clearances reads 50 rows rather than counting thousands.
type clearanceWithCounts struct {
	Row         clearanceRow `gorm:"embedded"`
	LabelCount  int
	MemberCount int
}

const clearanceColumns = "clearances.*"

func clearanceFromRow(r clearanceWithCounts) clearance.Clearance {
	return clearance.Clearance{
		ID: r.Row.ID, OrganisationID: r.Row.OrganisationID, Name: r.Row.Name, Description: r.Row.Description,
		LabelCount: r.LabelCount, MemberCount: r.MemberCount, CreatedAt: r.Row.CreatedAt.UTC(),
	}
}

// Clearances is the clearances' store (clearance.Store).
type Clearances struct{ scope }

// LockOrganisation takes the organisation's row lock for the rest of the transaction.
func (x Clearances) LockOrganisation(ctx context.Context, orgID int64) error {
	return x.lockOrganisation(ctx, orgID, clearance.ErrOrganisationGone)
}

// Create stores a clearance; a name the organisation has in any case is clearance.ErrNameTaken (looked up
// first, as Classifications.Create explains).
func (x Clearances) Create(ctx context.Context, c clearance.Clearance) error {
	row := clearanceRow{ID: c.ID, OrganisationID: c.OrganisationID, Name: c.Name, NameKey: lowerKey(c.Name),
		Description: c.Description, CreatedAt: c.CreatedAt}
	if err := nameFree[clearanceRow](x.s.conn(ctx), c.OrganisationID, 0, row.NameKey, clearance.ErrNameTaken); err != nil {
		return err
	}
	err := x.s.conn(ctx).Create(&row).Error
	if isForeignKey(err) {
		return clearance.ErrOrganisationGone
	}
	if isDuplicate(err) {
		return clearance.ErrNameTaken // a caller without the organisation's lock lost a race
	}
	return wrap(err, "clearances.create", c.ID)
}

func (x Clearances) withCounts(ctx context.Context) *gorm.DB {
	return x.s.conn(ctx).Table("clearances")
}

// Get reads the organisation's clearance with its counts.
func (x Clearances) Get(ctx context.Context, orgID, id int64) (clearance.Clearance, error) {
	row, err := take1[clearanceWithCounts](x.withCounts(ctx).Select(clearanceColumns).Where("clearances.id = ? AND clearances.organisation_id = ?", id, orgID),
		clearance.ErrNotFound, "clearances.get", id)
	return clearanceFromRow(row), err
}

var clearanceList = listSpec{id: "clearances.id", sorts: map[string]string{
	"": "clearances.name_key", "name": "clearances.name_key", "createdAt": "clearances.created_at"}}

// Page is one page of the organisation's clearances with their counts: two statements, whatever the
// page's size.
func (x Clearances) Page(ctx context.Context, orgID int64, q listing.Query) (listing.Page[clearance.Clearance], error) {
	base := x.withCounts(ctx).Where("clearances.organisation_id = ?", orgID)
	if q.Search != "" {
		base = base.Where("clearances.name_key LIKE ? ESCAPE '\\'", likePattern(q.Search))
	}
	p, err := list(base, q, clearanceList, clearanceColumns, always(clearanceFromRow))
	return p, wrap(err, "clearances.page", orgID)
}

// Rename changes what is not nil of the name and description.
func (x Clearances) Rename(ctx context.Context, orgID, id int64, name, description *string) error {
	set := map[string]any{}
	if name != nil {
		key := lowerKey(*name)
		if err := nameFree[clearanceRow](x.s.conn(ctx), orgID, id, key, clearance.ErrNameTaken); err != nil {
			return err
		}
		set["name"], set["name_key"] = *name, key
	}
	if description != nil {
		set["description"] = *description
	}
	res := x.s.conn(ctx).Model(&clearanceRow{}).Where("id = ? AND organisation_id = ?", id, orgID).Updates(set)
	if isDuplicate(res.Error) {
		return clearance.ErrNameTaken
	}
	return affected(res, clearance.ErrNotFound, "clearances.rename", id)
}

// Delete deletes the organisation's clearance; its links go by ON DELETE CASCADE in the same statement.
func (x Clearances) Delete(ctx context.Context, orgID, id int64) error {
	res := x.s.conn(ctx).Where("id = ? AND organisation_id = ?", id, orgID).Delete(&clearanceRow{})
	return affected(res, clearance.ErrNotFound, "clearances.delete", id)
}

// Members are those of userIDs who are members of the organisation.
func (x Clearances) Members(ctx context.Context, orgID int64, userIDs []int64) ([]int64, error) {
	var out []int64
	err := x.s.conn(ctx).Model(&membershipRow{}).Where("organisation_id = ?", orgID).Where(x.s.oneOf("user_id", userIDs)).
		Pluck("user_id", &out).Error
	return out, wrap(err, "clearances.members", orgID)
}

// Classifications are those of classificationIDs that are the organisation's.
func (x Clearances) Classifications(ctx context.Context, orgID int64, classificationIDs []int64) ([]int64, error) {
	var out []int64
	err := x.s.conn(ctx).Model(&classificationRow{}).Where("organisation_id = ?", orgID).Where(x.s.oneOf("id", classificationIDs)).
		Pluck("id", &out).Error
	return out, wrap(err, "clearances.classifications", orgID)
}

// Link links the clearance to the classifications in one statement, links that exist staying, and
// adds the new links to its count in another.
func (x Clearances) Link(ctx context.Context, orgID, id int64, classificationIDs []int64) error {
	n, err := x.s.insertEach(ctx, "clearance_classifications (organisation_id, clearance_id, classification_id)", classificationIDs, orgID, id)
	if isForeignKey(err) {
		return clearance.ErrUnknownClassification // deleted since the caller checked (a caller without the organisation's lock)
	}
	if err == nil {
		err = x.addToCounts(ctx, id, "label_count", n)
	}
	return wrap(err, "clearances.link", id)
}

// Unlink removes the clearance's links to the classifications in one statement, and takes them off its
// count in another.
func (x Clearances) Unlink(ctx context.Context, id int64, classificationIDs []int64) error {
	res := x.s.conn(ctx).Where("clearance_id = ?", id).Where(x.s.oneOf("classification_id", classificationIDs)).
		Delete(&clearanceClassificationRow{})
	err := res.Error
	if err == nil {
		err = x.addToCounts(ctx, id, "label_count", -res.RowsAffected)
	}
	return wrap(err, "clearances.unlink", id)
}

// AddMembers puts the users in the clearance in one statement, those in it staying, and adds the new
// ones to its count in another.
func (x Clearances) AddMembers(ctx context.Context, orgID, id int64, userIDs []int64) error {
	n, err := x.s.insertEach(ctx, "clearance_members (organisation_id, clearance_id, user_id)", userIDs, orgID, id)
	if isForeignKey(err) {
		return clearance.ErrNotAMember // removed since the caller checked (a caller without the organisation's lock)
	}
	if err == nil {
		err = x.addToCounts(ctx, id, "member_count", n)
	}
	return wrap(err, "clearances.add_members", id)
}

// RemoveMembers takes the users out of the clearance in one statement, and off its count in another.
func (x Clearances) RemoveMembers(ctx context.Context, id int64, userIDs []int64) error {
	res := x.s.conn(ctx).Where("clearance_id = ?", id).Where(x.s.oneOf("user_id", userIDs)).Delete(&clearanceMemberRow{})
	err := res.Error
	if err == nil {
		err = x.addToCounts(ctx, id, "member_count", -res.RowsAffected)
	}
	return wrap(err, "clearances.remove_members", id)
}

// addToCounts adds n to the clearance's kept count column (label_count or member_count; never from a
// request); nothing when n is 0.
func (x Clearances) addToCounts(ctx context.Context, id int64, column string, n int64) error {
	if n == 0 {
		return nil
	}
	return x.s.conn(ctx).Exec("UPDATE clearances SET "+column+" = "+column+" + ? WHERE id = ?", n, id).Error
}

// A request may name a thousand ids. GORM writes a slice as one placeholder per element, and building,
// sending and parsing thousands of placeholders (and a struct per row for an insert) costs several
// times the database's own work. oneOf and insertEach pass the ids as one parameter instead: a
// PostgreSQL array, or a JSON array on SQLite, which has no arrays but reads JSON.

// oneOf is the condition that column holds one of ids, with the ids in one parameter.
func (s *Store) oneOf(column string, ids []int64) clause.Expr {
	if s.embedded {
		return gorm.Expr(column+" IN (SELECT value FROM json_each(?))", idArray(ids, '[', ']'))
	}
	return gorm.Expr(column+" = ANY(CAST(? AS BIGINT[]))", idArray(ids, '{', '}'))
}

// insertEach inserts one row per id into table (its name and columns), each row being the leading
// values followed by the id, in one statement with the ids in one parameter; rows that exist stay. It
// returns how many rows it inserted. (SQLite needs the WHERE to read ON CONFLICT as the insert's, not
// a join's.)
func (s *Store) insertEach(ctx context.Context, table string, ids []int64, leading ...any) (int64, error) {
	values := strings.TrimSuffix(strings.Repeat("?, ", len(leading)), " ")
	from := "unnest(CAST(? AS BIGINT[])) AS ids (value)"
	list := idArray(ids, '{', '}')
	if s.embedded {
		from, list = "json_each(?)", idArray(ids, '[', ']')
	}
	res := s.conn(ctx).Exec("INSERT INTO "+table+" SELECT "+values+" value FROM "+from+" WHERE true ON CONFLICT DO NOTHING",
		append(leading, list)...)
	return res.RowsAffected, res.Error
}

// idArray writes ids as an array literal between open and close: {1,2} for PostgreSQL, [1,2] for JSON.
func idArray(ids []int64, open, close byte) string {
	b := make([]byte, 0, 2+len(ids)*20)
	b = append(b, open)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, close))
}

// clearanceMemberRowJoined is a clearance's member with their account, membership and organisation.
type clearanceMemberRowJoined struct {
	User             userRow `gorm:"embedded"`
	Role             string
	IsOrgAdmin       bool
	OrganisationName string
}

var clearanceMemberColumns = userShapeColumns + ", memberships.role, memberships.is_org_admin, organisations.name AS organisation_name"

var clearanceMemberList = listSpec{id: "users.id", sorts: map[string]string{
	"": "users.email", "email": "users.email", "firstName": "users.first_name", "lastName": "users.last_name"}}

// MemberPage is one page of the clearance's members: two statements, whatever the page's size. The
// total is counted on clearance_members alone: its foreign keys give every row a membership, and so a
// user and an organisation, and the joins would make the count visit all three for every member.
func (x Clearances) MemberPage(ctx context.Context, id int64, q listing.Query) (listing.Page[clearance.Member], error) {
	counted := x.s.conn(ctx).Table("clearance_members").Where("clearance_members.clearance_id = ?", id)
	base := x.s.conn(ctx).Table("clearance_members").
		Joins("JOIN users ON users.id = clearance_members.user_id").
		Joins("JOIN memberships ON memberships.organisation_id = clearance_members.organisation_id AND memberships.user_id = clearance_members.user_id").
		Joins("JOIN organisations ON organisations.id = clearance_members.organisation_id").
		Where("clearance_members.clearance_id = ?", id)
	p, err := listCounting(counted, base, q, clearanceMemberList, clearanceMemberColumns, always(func(r clearanceMemberRowJoined) clearance.Member {
		return clearance.Member{User: userFromRow(r.User), Role: organisation.Role(r.Role), IsOrgAdmin: r.IsOrgAdmin, OrganisationName: r.OrganisationName}
	}))
	return p, wrap(err, "clearances.member_page", id)
}

// Cleared are those of classificationIDs linked to a clearance of the organisation that the user with
// this (normalised) email address is in: one statement (sharing.Clearances). The links name the
// organisation, so a classification of another organisation is cleared for nobody here.
func (x Clearances) Cleared(ctx context.Context, orgID int64, email string, classificationIDs []int64) ([]int64, error) {
	var out []int64
	err := x.s.conn(ctx).Table("clearance_classifications").Distinct("clearance_classifications.classification_id").
		Joins("JOIN clearance_members ON clearance_members.clearance_id = clearance_classifications.clearance_id").
		Joins("JOIN users ON users.id = clearance_members.user_id").
		Where("clearance_classifications.organisation_id = ? AND users.email = ?", orgID, email).
		Where(x.s.oneOf("clearance_classifications.classification_id", classificationIDs)).
		Pluck("clearance_classifications.classification_id", &out).Error
	return out, wrap(err, "clearances.cleared", orgID)
}
