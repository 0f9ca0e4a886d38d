package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

type themeRow struct {
	Name     string `gorm:"primaryKey"`
	Value    string
	Modified time.Time
}

func (themeRow) TableName() string { return "theme_properties" }

// Theme is the theme's store (theme.Store): the values set, one row each.
type Theme struct{ scope }

// All returns every value set, by name.
func (x Theme) All(ctx context.Context) (map[string]string, error) {
	var rows []themeRow
	if err := x.s.conn(ctx).Find(&rows).Error; err != nil {
		return nil, wrap(err, "theme.all", "")
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.Name] = r.Value
	}
	return out, nil
}

// Set stores the property's value, replacing any.
func (x Theme) Set(ctx context.Context, name, value string, at time.Time) error {
	err := x.s.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "modified"}),
	}).Create(&themeRow{Name: name, Value: value, Modified: at}).Error
	return wrap(err, "theme.set", name)
}

// Clear removes the property's value; clearing a property that has none is no error.
func (x Theme) Clear(ctx context.Context, name string) error {
	return wrap(x.s.conn(ctx).Where("name = ?", name).Delete(&themeRow{}).Error, "theme.clear", name)
}
