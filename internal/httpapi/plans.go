package httpapi

// TEMPORARY STUBS on branch org-admin-spec: replaced by the real handlers before merging to main.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

func (s *Server) CreatePlan(ctx context.Context, request gen.CreatePlanRequestObject) (gen.CreatePlanResponseObject, error) {
	return nil, errors.New("CreatePlan: not built yet")
}

func (s *Server) ListPlans(ctx context.Context, request gen.ListPlansRequestObject) (gen.ListPlansResponseObject, error) {
	return nil, errors.New("ListPlans: not built yet")
}

func (s *Server) GetPlan(ctx context.Context, request gen.GetPlanRequestObject) (gen.GetPlanResponseObject, error) {
	return nil, errors.New("GetPlan: not built yet")
}

func (s *Server) UpdatePlan(ctx context.Context, request gen.UpdatePlanRequestObject) (gen.UpdatePlanResponseObject, error) {
	return nil, errors.New("UpdatePlan: not built yet")
}

func (s *Server) DeletePlan(ctx context.Context, request gen.DeletePlanRequestObject) (gen.DeletePlanResponseObject, error) {
	return nil, errors.New("DeletePlan: not built yet")
}

func (s *Server) GetUserStatistics(ctx context.Context, request gen.GetUserStatisticsRequestObject) (gen.GetUserStatisticsResponseObject, error) {
	return nil, errors.New("GetUserStatistics: not built yet")
}

func (s *Server) GetPlanStatistics(ctx context.Context, request gen.GetPlanStatisticsRequestObject) (gen.GetPlanStatisticsResponseObject, error) {
	return nil, errors.New("GetPlanStatistics: not built yet")
}
