package httpapi

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/plan"
)

// The storage plans. The access step has let only the callers of each
// operation's x-access through; the organisation acted on is the path's, so a plan named under another
// organisation's path is not found (404).

// CreatePlan implements gen.StrictServerInterface.
func (s *Server) CreatePlan(ctx context.Context, req gen.CreatePlanRequestObject) (gen.CreatePlanResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	p, err := s.Plans.Create(ctx, c.orgID, plan.NewPlan{Name: b.Name, Description: b.Description, Quota: b.Quota,
		Default: b.Default != nil && *b.Default})
	if err != nil {
		return nil, err
	}
	return gen.CreatePlan200JSONResponse(planOut(p)), nil
}

// ListPlans implements gen.StrictServerInterface.
func (s *Server) ListPlans(ctx context.Context, req gen.ListPlansRequestObject) (gen.ListPlansResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	p := req.Params
	page, err := s.Plans.List(ctx, c.orgID, listQuery(p.Limit, p.Offset, p.OrderBy, p.SortBy, noParam))
	if err != nil {
		return nil, err
	}
	return gen.ListPlans200JSONResponse(pageOut(page, planOut)), nil
}

// GetPlan implements gen.StrictServerInterface.
func (s *Server) GetPlan(ctx context.Context, req gen.GetPlanRequestObject) (gen.GetPlanResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.Plans.Plan(ctx, c.orgID, pathID(req.PlanId))
	if err != nil {
		return nil, err
	}
	return gen.GetPlan200JSONResponse(planOut(p)), nil
}

// UpdatePlan implements gen.StrictServerInterface.
func (s *Server) UpdatePlan(ctx context.Context, req gen.UpdatePlanRequestObject) (gen.UpdatePlanResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	p, err := s.Plans.Update(ctx, c.orgID, pathID(req.PlanId), plan.Changes{Name: b.Name, Description: b.Description,
		Quota: b.Quota, Default: b.Default})
	if err != nil {
		return nil, err
	}
	return gen.UpdatePlan200JSONResponse(planOut(p)), nil
}

// DeletePlan implements gen.StrictServerInterface.
func (s *Server) DeletePlan(ctx context.Context, req gen.DeletePlanRequestObject) (gen.DeletePlanResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Plans.Delete(ctx, c.orgID, pathID(req.PlanId)); err != nil {
		return nil, err
	}
	return gen.DeletePlan200Response{}, nil
}

func (s *Server) GetUserStatistics(ctx context.Context, request gen.GetUserStatisticsRequestObject) (gen.GetUserStatisticsResponseObject, error) {
	return nil, errors.New("GetUserStatistics: not built yet")
}

func (s *Server) GetPlanStatistics(ctx context.Context, request gen.GetPlanStatisticsRequestObject) (gen.GetPlanStatisticsResponseObject, error) {
	return nil, errors.New("GetPlanStatistics: not built yet")
}

func planOut(p plan.Plan) gen.Plan {
	return gen.Plan{Id: ids.Format(p.ID), Name: p.Name, Description: p.Description, Quota: p.Quota, Default: p.Default,
		OriginatorCount: p.OriginatorCount, CreatedAt: p.CreatedAt}
}
