package store

import (
	"context"
	"strings"
	"time"

	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/listing"
)

type auditRow struct {
	ID             int64 `gorm:"primaryKey;autoIncrement:false"`
	OccurredAt     time.Time
	OrganisationID *int64
	UserID         *int64
	UserEmail      *string
	ClientID       *string
	Method         string
	Path           string
	Status         int
	RemoteAddress  string
	Action         string
	Category       string
	Operation      string
	SignIn         *string
}

func (auditRow) TableName() string { return "audit_records" }

func auditFromRow(r auditRow) audit.Record {
	return audit.Record{
		ID: r.ID, Time: r.OccurredAt.UTC(), OrganisationID: r.OrganisationID, UserID: r.UserID, UserEmail: r.UserEmail,
		ClientID: r.ClientID, Method: r.Method, Path: r.Path, Status: r.Status, RemoteAddress: r.RemoteAddress,
		Action: r.Action, Category: r.Category, Operation: r.Operation, SignIn: signInOf(r.SignIn),
	}
}

// Audit is the audit trail's store (audit.Store).
type Audit struct{ scope }

// Add stores the batch in one statement.
func (x Audit) Add(ctx context.Context, rs []audit.Record) error {
	rows := make([]auditRow, len(rs))
	for i, r := range rs {
		rows[i] = auditRow{
			ID: r.ID, OccurredAt: r.Time, OrganisationID: r.OrganisationID, UserID: r.UserID, UserEmail: r.UserEmail,
			ClientID: r.ClientID, Method: r.Method, Path: r.Path, Status: r.Status, RemoteAddress: r.RemoteAddress,
			Action: r.Action, Category: r.Category, Operation: r.Operation,
		}
		if r.SignIn != "" {
			v := string(r.SignIn)
			rows[i].SignIn = &v
		}
	}
	return wrap(x.s.conn(ctx).Create(&rows).Error, "audit.add", len(rs))
}

// AddSignIns adds a batch's sign-ins to the daily counts (migration 00014), in the caller's transaction:
// first the users not yet counted that day in that column (the insert returns only those), then each
// day's totals with those users. Days and users come sorted (audit.TallySignIns), so concurrent writers
// lock rows in the same order.
func (x Audit) AddSignIns(ctx context.Context, days []audit.SignInTally, users []audit.SignInUser) error {
	type key struct {
		day    string
		failed bool
	}
	fresh := map[key]int64{}
	if len(users) > 0 {
		args := make([]any, 0, 3*len(users))
		for _, u := range users {
			args = append(args, u.Day, u.Who, u.Failed)
		}
		insert := "INSERT INTO sign_in_user_days (day, who, failed) VALUES " + valueRows(len(users), 3) +
			" ON CONFLICT DO NOTHING RETURNING day, failed"
		var added []struct {
			Day    string
			Failed bool
		}
		if err := x.s.conn(ctx).Raw(insert, args...).Scan(&added).Error; err != nil {
			return wrap(err, "audit.add_sign_in_users", len(users))
		}
		for _, a := range added {
			fresh[key{a.Day, a.Failed}]++
		}
	}
	args := make([]any, 0, 5*len(days))
	for _, d := range days {
		args = append(args, d.Day, d.Successes, d.Failures, fresh[key{d.Day, false}], fresh[key{d.Day, true}])
	}
	var b strings.Builder
	b.WriteString("INSERT INTO sign_in_days (day, successes, failures, unique_successes, unique_failures) VALUES ")
	b.WriteString(valueRows(len(days), 5))
	b.WriteString(` ON CONFLICT (day) DO UPDATE SET successes = sign_in_days.successes + excluded.successes,
		failures = sign_in_days.failures + excluded.failures,
		unique_successes = sign_in_days.unique_successes + excluded.unique_successes,
		unique_failures = sign_in_days.unique_failures + excluded.unique_failures`)
	return wrap(x.s.conn(ctx).Exec(b.String(), args...).Error, "audit.add_sign_in_days", len(days))
}

var auditList = listSpec{id: "id", sorts: map[string]string{"": "occurred_at"}}

// Page is one page of the organisation's records, ordered by time.
func (x Audit) Page(ctx context.Context, orgID int64, q listing.Query) (listing.Page[audit.Record], error) {
	base := x.s.conn(ctx).Model(&auditRow{}).Where("organisation_id = ?", orgID)
	p, err := list(base, q, auditList, "", always(auditFromRow))
	return p, wrap(err, "audit.page", orgID)
}

// exportBatch is how many records an export reads at a time.
const exportBatch = 500

// Export calls fn for each record f selects, oldest first. It pages by (occurred_at, id) rather than by offset, so
// records written during the export neither repeat nor shift the rest.
func (x Audit) Export(ctx context.Context, f audit.Filter, fn func(audit.Record) error) error {
	var after *auditRow
	for {
		q := x.s.conn(ctx).Where("organisation_id = ?", f.OrganisationID)
		if f.From != nil {
			q = q.Where("occurred_at >= ?", *f.From)
		}
		if f.Until != nil {
			q = q.Where("occurred_at < ?", *f.Until)
		}
		if f.ClientID != nil {
			q = q.Where("client_id = ?", *f.ClientID)
		}
		if f.Action != nil {
			q = q.Where("action = ?", *f.Action)
		}
		if f.Category != nil {
			q = q.Where("category = ?", *f.Category)
		}
		if after != nil {
			q = q.Where("(occurred_at > ? OR (occurred_at = ? AND id > ?))", after.OccurredAt, after.OccurredAt, after.ID)
		}
		var rows []auditRow
		if err := q.Order("occurred_at ASC").Order("id ASC").Limit(exportBatch).Find(&rows).Error; err != nil {
			return wrap(err, "audit.export", f.OrganisationID)
		}
		for _, r := range rows {
			if err := fn(auditFromRow(r)); err != nil {
				return err
			}
		}
		if len(rows) < exportBatch {
			return nil
		}
		after = &rows[len(rows)-1]
	}
}

func signInOf(v *string) audit.SignIn {
	if v == nil {
		return ""
	}
	return audit.SignIn(*v)
}

// valueRows is the VALUES list of a multi-row insert: rows tuples of columns placeholders each.
func valueRows(rows, columns int) string {
	row := "(" + strings.Repeat("?, ", columns-1) + "?)"
	return strings.Repeat(row+", ", rows-1) + row
}
