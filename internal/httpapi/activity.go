package httpapi

import (
	"context"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/cocoondata/access-service/gen"
)

// GetUserActivityDashboard implements gen.StrictServerInterface: sign-ins per UTC day (report.Activity).
func (s *Server) GetUserActivityDashboard(ctx context.Context, req gen.GetUserActivityDashboardRequestObject) (gen.GetUserActivityDashboardResponseObject, error) {
	unique := req.Params.UniqueLogin != nil && *req.Params.UniqueLogin
	days, err := s.Activity.SignIns(ctx, req.Params.LastDays, unique)
	if err != nil {
		return nil, err
	}
	out := gen.GetUserActivityDashboard200JSONResponse{Items: make([]gen.UserActivityDay, len(days))}
	for i, d := range days {
		out.Items[i] = gen.UserActivityDay{Date: openapi_types.Date{Time: d.Day}, SuccessfulLogins: d.Successes, FailedLogins: d.Failures}
	}
	return out, nil
}
