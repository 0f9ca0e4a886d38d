package store_test

import (
	"testing"

	"github.com/cocoondata/access-service/internal/store"
	"github.com/cocoondata/access-service/internal/testutil"
)

// TestHotReadsMatchGORM: PostgreSQL's hot reads give the rows GORM gives (store.CheckHotReads).
func TestHotReadsMatchGORM(t *testing.T) { store.CheckHotReads(t, testutil.NewPostgres(t)) }
