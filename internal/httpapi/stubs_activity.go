package httpapi

// TEMPORARY stubs while issue 19's activity work is built; the helper building it deletes this file.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

func (s *Server) GetUserActivityDashboard(ctx context.Context, request gen.GetUserActivityDashboardRequestObject) (gen.GetUserActivityDashboardResponseObject, error) {
	return nil, errors.New("GetUserActivityDashboard is not built yet")
}
