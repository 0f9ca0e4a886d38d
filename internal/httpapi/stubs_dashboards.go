package httpapi

// TEMPORARY stubs while issue 19's dashboards work is built; the helper building it deletes this file.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

func (s *Server) GetClientsDashboard(ctx context.Context, request gen.GetClientsDashboardRequestObject) (gen.GetClientsDashboardResponseObject, error) {
	return nil, errors.New("GetClientsDashboard is not built yet")
}

func (s *Server) GetQuotasDashboard(ctx context.Context, request gen.GetQuotasDashboardRequestObject) (gen.GetQuotasDashboardResponseObject, error) {
	return nil, errors.New("GetQuotasDashboard is not built yet")
}

func (s *Server) GetOrganisationsDashboard(ctx context.Context, request gen.GetOrganisationsDashboardRequestObject) (gen.GetOrganisationsDashboardResponseObject, error) {
	return nil, errors.New("GetOrganisationsDashboard is not built yet")
}
