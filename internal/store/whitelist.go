package store

import (
	"context"
	"time"

	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/whitelist"
)

type whitelistRuleRow struct {
	ID             int64 `gorm:"primaryKey;autoIncrement:false"`
	OrganisationID int64
	Pattern        string
	Kind           string
	Description    string
	CreatedAt      time.Time
}

func (whitelistRuleRow) TableName() string { return "whitelist_rules" }

var (
	whitelistRuleColumns = []string{"id", "organisation_id", "pattern", "kind", "description", "created_at"}
	whitelistRuleByID    = newHotRead("whitelist_rules", whitelistRuleColumns, "id")
)

// fields are the row's fields in the order of whitelistRuleByID's columns.
func (r *whitelistRuleRow) fields() []any {
	return []any{&r.ID, &r.OrganisationID, &r.Pattern, &r.Kind, &r.Description, &r.CreatedAt}
}

var kindNames = map[whitelist.Kind]string{whitelist.Domain: "domain", whitelist.Subdomains: "subdomains", whitelist.Address: "address"}

func whitelistRuleToRow(r whitelist.Rule) whitelistRuleRow {
	return whitelistRuleRow{ID: r.ID, OrganisationID: r.OrganisationID, Pattern: r.Pattern.Text,
		Kind: kindNames[r.Pattern.Kind], Description: r.Description, CreatedAt: r.CreatedAt}
}

// whitelistRuleFromRow re-reads the stored pattern; it was normalised before it was stored, so parsing
// it again gives the same pattern.
func whitelistRuleFromRow(r whitelistRuleRow) (whitelist.Rule, error) {
	p, err := whitelist.ParsePattern(r.Pattern)
	if err != nil {
		return whitelist.Rule{}, err
	}
	return whitelist.Rule{ID: r.ID, OrganisationID: r.OrganisationID, Pattern: p, Description: r.Description,
		CreatedAt: r.CreatedAt.UTC()}, nil
}

func whitelistRulesFromRows(rows []whitelistRuleRow) ([]whitelist.Rule, error) {
	out := make([]whitelist.Rule, len(rows))
	for i, r := range rows {
		rule, err := whitelistRuleFromRow(r)
		if err != nil {
			return nil, err
		}
		out[i] = rule
	}
	return out, nil
}

// Whitelist is the whitelist rules' store (whitelist.Store).
type Whitelist struct{ scope }

// Add stores the rules in one statement, so all or none.
func (x Whitelist) Add(ctx context.Context, rules []whitelist.Rule) error {
	rows := make([]whitelistRuleRow, len(rules))
	for i, r := range rules {
		rows[i] = whitelistRuleToRow(r)
	}
	err := x.s.conn(ctx).Create(&rows).Error
	if isDuplicate(err) {
		return whitelist.ErrDuplicatePattern
	}
	if isForeignKey(err) {
		return whitelist.ErrOrganisationGone
	}
	return wrap(err, "whitelist.add", len(rules))
}

// Rules are all the organisation's rules, by pattern.
func (x Whitelist) Rules(ctx context.Context, orgID int64) ([]whitelist.Rule, error) {
	var rows []whitelistRuleRow
	if err := x.s.conn(ctx).Where("organisation_id = ?", orgID).Order("pattern, id").Find(&rows).Error; err != nil {
		return nil, wrap(err, "whitelist.rules", orgID)
	}
	return whitelistRulesFromRows(rows)
}

var whitelistList = listSpec{id: "id", sorts: map[string]string{
	"": "pattern", "pattern": "pattern", "description": "description", "createdAt": "created_at"}}

// Page is one page of the organisation's rules.
func (x Whitelist) Page(ctx context.Context, orgID int64, q listing.Query) (listing.Page[whitelist.Rule], error) {
	base := x.s.conn(ctx).Model(&whitelistRuleRow{}).Where("organisation_id = ?", orgID)
	p, err := list(base, q, whitelistList, "", whitelistRuleFromRow)
	return p, wrap(err, "whitelist.page", orgID)
}

// Rule returns a rule of any organisation.
func (x Whitelist) Rule(ctx context.Context, id int64) (whitelist.Rule, error) {
	var row whitelistRuleRow
	if err := x.s.take(ctx, whitelistRuleByID, id, whitelist.ErrRuleNotFound, &row, row.fields()...); err != nil {
		return whitelist.Rule{}, err
	}
	return whitelistRuleFromRow(row)
}

// SetDescription changes the organisation's rule's description.
func (x Whitelist) SetDescription(ctx context.Context, orgID, id int64, description string) error {
	res := x.s.conn(ctx).Model(&whitelistRuleRow{}).Where("id = ? AND organisation_id = ?", id, orgID).Update("description", description)
	return affected(res, whitelist.ErrRuleNotFound, "whitelist.set_description", id)
}

// Lock reads the rules with these ids (of the organisation; of any when orgID is 0) and locks them.
func (x Whitelist) Lock(ctx context.Context, orgID int64, ruleIDs []int64) ([]whitelist.Rule, error) {
	q := x.s.forUpdate(x.s.conn(ctx)).Where("id IN ?", ruleIDs)
	if orgID != 0 {
		q = q.Where("organisation_id = ?", orgID)
	}
	var rows []whitelistRuleRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, wrap(err, "whitelist.lock", ruleIDs)
	}
	return whitelistRulesFromRows(rows)
}

// Delete deletes the rules with these ids and says how many there were.
func (x Whitelist) Delete(ctx context.Context, ruleIDs []int64) (int, error) {
	res := x.s.conn(ctx).Where("id IN ?", ruleIDs).Delete(&whitelistRuleRow{})
	return int(res.RowsAffected), wrap(res.Error, "whitelist.delete", ruleIDs)
}

// Members are the organisation's members, ordered by email.
func (x Whitelist) Members(ctx context.Context, orgID int64) ([]whitelist.Member, error) {
	var rows []struct {
		ID        int64
		Email     string
		FirstName *string
		LastName  *string
	}
	err := x.s.conn(ctx).Table("memberships").Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.organisation_id = ?", orgID).
		Select("users.id, users.email, users.first_name, users.last_name").
		Order("users.email, users.id").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "whitelist.members", orgID)
	}
	out := make([]whitelist.Member, len(rows))
	for i, r := range rows {
		out[i] = whitelist.Member{UserID: r.ID, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName}
	}
	return out, nil
}
