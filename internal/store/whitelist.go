package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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

var whitelistRuleByID = newHotRead("whitelist_rules",
	[]string{"id", "organisation_id", "pattern", "kind", "description", "created_at"}, "id")

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

// AddWhitelistRules implements whitelist.Store: one statement, so all rules or none.
func (s *Store) AddWhitelistRules(ctx context.Context, rules []whitelist.Rule) error {
	rows := make([]whitelistRuleRow, len(rules))
	for i, r := range rules {
		rows[i] = whitelistRuleToRow(r)
	}
	err := s.db.WithContext(ctx).Create(&rows).Error
	if isDuplicate(err) {
		return whitelist.ErrDuplicatePattern
	}
	if isForeignKey(err) {
		return whitelist.ErrOrganisationGone
	}
	return err
}

// WhitelistRules implements whitelist.Store.
func (s *Store) WhitelistRules(ctx context.Context, orgID int64) ([]whitelist.Rule, error) {
	var rows []whitelistRuleRow
	if err := s.db.WithContext(ctx).Where("organisation_id = ?", orgID).Order("pattern, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	return whitelistRulesFromRows(rows)
}

// WhitelistRulePage implements whitelist.Store.
func (s *Store) WhitelistRulePage(ctx context.Context, orgID int64, q listing.Query) ([]whitelist.Rule, int, error) {
	base := s.db.WithContext(ctx).Model(&whitelistRuleRow{}).Where("organisation_id = ?", orgID)
	var total int64
	if err := base.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	column := map[string]string{"pattern": "pattern", "description": "description", "createdAt": "created_at"}[q.SortBy]
	if column == "" {
		column = "pattern"
	}
	var rows []whitelistRuleRow
	if err := page(base.Session(&gorm.Session{}), q, column, "id").Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	rules, err := whitelistRulesFromRows(rows)
	return rules, int(total), err
}

// WhitelistRule implements whitelist.Store.
func (s *Store) WhitelistRule(ctx context.Context, id int64) (whitelist.Rule, error) {
	var row whitelistRuleRow
	err := s.take(ctx, whitelistRuleByID, id, &row, row.fields()...)
	if isNotFound(err) {
		return whitelist.Rule{}, whitelist.ErrRuleNotFound
	}
	if err != nil {
		return whitelist.Rule{}, err
	}
	return whitelistRuleFromRow(row)
}

// UpdateWhitelistRuleDescription implements whitelist.Store.
func (s *Store) UpdateWhitelistRuleDescription(ctx context.Context, orgID, id int64, description string) (whitelist.Rule, error) {
	var row whitelistRuleRow
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&whitelistRuleRow{}).Where("id = ? AND organisation_id = ?", id, orgID).Update("description", description)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return whitelist.ErrRuleNotFound
		}
		return tx.Where("id = ?", id).Take(&row).Error
	})
	if err != nil {
		return whitelist.Rule{}, err
	}
	return whitelistRuleFromRow(row)
}

// DeleteWhitelistRules implements whitelist.Store. The rules are locked and deleted in one transaction:
// if any id is missing (or not the organisation's), nothing is deleted.
func (s *Store) DeleteWhitelistRules(ctx context.Context, orgID int64, ruleIDs []int64) ([]whitelist.Rule, error) {
	var deleted []whitelist.Rule
	err := s.tx(ctx, func(tx *gorm.DB) error {
		q := tx.Where("id IN ?", ruleIDs)
		if orgID != 0 {
			q = q.Where("organisation_id = ?", orgID)
		}
		if !s.embedded {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var rows []whitelistRuleRow
		if err := q.Find(&rows).Error; err != nil {
			return err
		}
		found := make(map[int64]whitelistRuleRow, len(rows))
		for _, r := range rows {
			found[r.ID] = r
		}
		var missing whitelist.ItemErrors
		for i, id := range ruleIDs {
			if _, ok := found[id]; !ok {
				missing = append(missing, &whitelist.ItemError{Index: i, Field: "id", Err: whitelist.ErrRuleNotFound})
			}
		}
		if len(missing) > 0 {
			return missing
		}
		res := tx.Where("id IN ?", ruleIDs).Delete(&whitelistRuleRow{})
		if res.Error != nil {
			return res.Error
		}
		if int(res.RowsAffected) != len(found) {
			return whitelist.ErrRuleNotFound // deleted by someone else meanwhile: roll back
		}
		var err error
		deleted, err = whitelistRulesFromRows(rows)
		return err
	})
	return deleted, err
}

// WhitelistMembers implements whitelist.Store: the organisation's members, ordered by email.
func (s *Store) WhitelistMembers(ctx context.Context, orgID int64) ([]whitelist.Member, error) {
	var rows []struct {
		ID        int64
		Email     string
		FirstName *string
		LastName  *string
	}
	err := s.db.WithContext(ctx).Table("memberships").Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.organisation_id = ?", orgID).
		Select("users.id, users.email, users.first_name, users.last_name").
		Order("users.email, users.id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]whitelist.Member, len(rows))
	for i, r := range rows {
		out[i] = whitelist.Member{UserID: r.ID, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName}
	}
	return out, nil
}
