package store

import (
	"context"
	"time"

	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/property"
)

type propertyRow struct {
	ID          int64 `gorm:"primaryKey;autoIncrement:false"`
	Name        string
	Value       string
	Kind        string
	Public      bool
	Grouping    string
	Description string
	Modified    time.Time
}

func (propertyRow) TableName() string { return "properties" }

func propertyFromRow(r propertyRow) property.Property {
	return property.Property{ID: r.ID, Name: r.Name, Value: r.Value, Kind: property.Kind(r.Kind), Public: r.Public,
		Grouping: r.Grouping, Description: r.Description, Modified: r.Modified.UTC()}
}

// Properties is the platform properties' store (property.Store).
type Properties struct{ scope }

// All returns every property, by id.
func (x Properties) All(ctx context.Context) ([]property.Property, error) {
	return x.all(ctx, false)
}

// LockAll returns every property, by id, each row locked for the rest of the transaction.
func (x Properties) LockAll(ctx context.Context) ([]property.Property, error) {
	return x.all(ctx, true)
}

func (x Properties) all(ctx context.Context, lock bool) ([]property.Property, error) {
	q := x.s.conn(ctx).Order("id")
	if lock {
		q = x.s.forUpdate(q)
	}
	var rows []propertyRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, wrap(err, "properties.all", lock)
	}
	out := make([]property.Property, len(rows))
	for i, r := range rows {
		out[i] = propertyFromRow(r)
	}
	return out, nil
}

var propertyList = listSpec{id: "id", sorts: map[string]string{"": "id", "id": "id", "propertyName": "name"}}

// List returns one page of the properties; q.Search (lower case) is matched anywhere in the name.
func (x Properties) List(ctx context.Context, q listing.Query) (listing.Page[property.Property], error) {
	base := x.s.conn(ctx).Model(&propertyRow{})
	if q.Search != "" {
		base = base.Where("LOWER(name) LIKE ? ESCAPE '\\'", likePattern(q.Search))
	}
	p, err := list(base, q, propertyList, "", always(propertyFromRow))
	return p, wrap(err, "properties.list", q.Search)
}

// ByID reads one property.
func (x Properties) ByID(ctx context.Context, id int64) (property.Property, error) {
	row, err := take1[propertyRow](x.s.conn(ctx).Where("id = ?", id), property.ErrNotFound, "properties.by_id", id)
	return propertyFromRow(row), err
}

// SetValue stores the property's value and when it was set.
func (x Properties) SetValue(ctx context.Context, id int64, value string, at time.Time) error {
	return affected(x.s.conn(ctx).Model(&propertyRow{}).Where("id = ?", id).Updates(map[string]any{"value": value, "modified": at}),
		property.ErrNotFound, "properties.set_value", id)
}
