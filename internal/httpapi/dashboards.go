package httpapi

// The platform's dashboards (GET /api/v1/dashboard/clients, quotas, organisations), for SafeShare
// administrators: the access step has let only them through.

import (
	"context"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/report"
)

// GetClientsDashboard implements gen.StrictServerInterface.
func (s *Server) GetClientsDashboard(ctx context.Context, _ gen.GetClientsDashboardRequestObject) (gen.GetClientsDashboardResponseObject, error) {
	n, err := s.Reports.ClientApps(ctx)
	if err != nil {
		return nil, err
	}
	return gen.GetClientsDashboard200JSONResponse{TotalClientApps: n}, nil
}

// GetQuotasDashboard implements gen.StrictServerInterface.
func (s *Server) GetQuotasDashboard(ctx context.Context, _ gen.GetQuotasDashboardRequestObject) (gen.GetQuotasDashboardResponseObject, error) {
	sum, err := s.Reports.Quotas(ctx)
	if err != nil {
		return nil, err
	}
	return gen.GetQuotasDashboard200JSONResponse{SumOfAllQuota: sum}, nil
}

// GetOrganisationsDashboard implements gen.StrictServerInterface.
func (s *Server) GetOrganisationsDashboard(ctx context.Context, req gen.GetOrganisationsDashboardRequestObject) (gen.GetOrganisationsDashboardResponseObject, error) {
	p := req.Params
	column := report.SearchByName
	if p.SearchColumn != nil && *p.SearchColumn == gen.GetOrganisationsDashboardParamsSearchColumnId {
		column = report.SearchByID
	}
	page, err := s.Reports.Organisations(ctx, column, listQuery(p.Limit, p.Offset, p.OrderBy, p.SortBy, p.SearchText))
	if err != nil {
		return nil, err
	}
	return gen.GetOrganisationsDashboard200JSONResponse(pageOut(page, organisationFiguresOut)), nil
}

func organisationFiguresOut(f report.OrganisationFigures) gen.OrganisationDashboardItem {
	return gen.OrganisationDashboardItem{Id: ids.Format(f.ID), Name: f.Name, Quota: f.Quota, StorageUsed: f.StorageUsed,
		OriginatorCount: f.Originators, CollaboratorCount: f.Collaborators}
}
