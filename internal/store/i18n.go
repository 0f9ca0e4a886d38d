package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cocoondata/access-service/internal/i18n"
)

type i18nSettingsRow struct {
	ID            int64 `gorm:"primaryKey;autoIncrement:false"`
	DefaultLocale string
	Version       int64
	Modified      time.Time
}

func (i18nSettingsRow) TableName() string { return "i18n_settings" }

type i18nBundleRow struct {
	Locale   string `gorm:"primaryKey"`
	Strings  string
	Modified time.Time
}

func (i18nBundleRow) TableName() string { return "i18n_bundles" }

// errNoI18nSettings: the one settings row migration 00017 inserts is missing.
var errNoI18nSettings = errors.New("store: the i18n_settings row is missing")

// I18n is the languages' store (i18n.Store): the default locale and the custom bundles.
type I18n struct{ scope }

// I18n is the languages' store.
func (s *Store) I18n() I18n { return I18n{scope{s}} }

var _ i18n.Store = I18n{}

// Version is the state's version.
func (x I18n) Version(ctx context.Context) (int64, error) {
	var v int64
	err := x.s.conn(ctx).Model(&i18nSettingsRow{}).Where("id = 1").Select("version").Scan(&v).Error
	return v, wrap(err, "i18n.version", "")
}

// State reads the default, the version and every custom bundle, in one transaction so they agree.
func (x I18n) State(ctx context.Context) (i18n.State, error) {
	var st i18n.State
	err := x.InTx(ctx, func(ctx context.Context) error {
		row, err := take1[i18nSettingsRow](x.s.conn(ctx).Where("id = 1"), errNoI18nSettings, "i18n.settings", "")
		if err != nil {
			return err
		}
		var rows []i18nBundleRow
		if err := x.s.conn(ctx).Order("locale").Find(&rows).Error; err != nil {
			return wrap(err, "i18n.bundles", "")
		}
		st = i18n.State{Default: row.DefaultLocale, Version: row.Version, Custom: make(map[string]map[string]string, len(rows))}
		for _, r := range rows {
			m := map[string]string{}
			if err := json.Unmarshal([]byte(r.Strings), &m); err != nil {
				return wrap(err, "i18n.bundle", r.Locale)
			}
			st.Custom[r.Locale] = m
		}
		return nil
	})
	return st, err
}

// bump raises the version, taking the settings row's lock for the rest of the transaction.
func (x I18n) bump(ctx context.Context, set map[string]any) error {
	set["version"] = gorm.Expr("version + 1")
	set["modified"] = time.Now().UTC()
	return affected(x.s.conn(ctx).Model(&i18nSettingsRow{}).Where("id = 1").Updates(set), errNoI18nSettings, "i18n.bump", "")
}

// SetDefault sets the default locale.
func (x I18n) SetDefault(ctx context.Context, code string) error {
	return x.bump(ctx, map[string]any{"default_locale": code})
}

// SaveBundle replaces the locale's custom bundle.
func (x I18n) SaveBundle(ctx context.Context, code string, strs map[string]string) error {
	if err := x.bump(ctx, map[string]any{}); err != nil {
		return err
	}
	data, err := json.Marshal(strs)
	if err != nil {
		return err
	}
	row := i18nBundleRow{Locale: code, Strings: string(data), Modified: time.Now().UTC()}
	err = x.s.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "locale"}},
		DoUpdates: clause.AssignmentColumns([]string{"strings", "modified"})}).Create(&row).Error
	return wrap(err, "i18n.saveBundle", code)
}

// DeleteBundle drops the locale's custom bundle; none is nothing to do (and changes nothing, the
// version included).
func (x I18n) DeleteBundle(ctx context.Context, code string) error {
	// The settings row first, as every change takes it first: one order of locks, no deadlock.
	if _, err := take1[i18nSettingsRow](x.s.forUpdate(x.s.conn(ctx).Where("id = 1")), errNoI18nSettings, "i18n.lock", ""); err != nil {
		return err
	}
	res := x.s.conn(ctx).Where("locale = ?", code).Delete(&i18nBundleRow{})
	if res.Error != nil || res.RowsAffected == 0 {
		return wrap(res.Error, "i18n.deleteBundle", code)
	}
	return x.bump(ctx, map[string]any{})
}
