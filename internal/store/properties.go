package store

import (
	"context"
	"time"

	"github.com/cocoondata/access-service/internal/property"
)

type propertyRow struct {
	ID          int64 `gorm:"primaryKey;autoIncrement:false"`
	Name        string
	Value       string
	Kind        string
	Public      bool
	Description string
	Modified    time.Time
}

func (propertyRow) TableName() string { return "properties" }

// Properties is the platform properties' store (property.Store).
type Properties struct{ scope }

// All returns every property, by id.
func (x Properties) All(ctx context.Context) ([]property.Property, error) {
	var rows []propertyRow
	if err := x.s.conn(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap(err, "properties.all", "")
	}
	out := make([]property.Property, len(rows))
	for i, r := range rows {
		out[i] = property.Property{ID: r.ID, Name: r.Name, Value: r.Value, Kind: r.Kind, Public: r.Public,
			Description: r.Description, Modified: r.Modified.UTC()}
	}
	return out, nil
}
