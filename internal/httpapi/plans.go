package httpapi

import (
	"context"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/plan"
)

// The storage plans and the organisation's statistics. The access step has let only the callers of each
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

// GetUserStatistics implements gen.StrictServerInterface.
func (s *Server) GetUserStatistics(ctx context.Context, _ gen.GetUserStatisticsRequestObject) (gen.GetUserStatisticsResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.Reports.Users(ctx, c.orgID)
	if err != nil {
		return nil, err
	}
	return gen.GetUserStatistics200JSONResponse{OriginatorCount: n.Originators, CollaboratorCount: n.Collaborators,
		OrganisationAdminCount: n.OrganisationAdmins}, nil
}

// GetPlanStatistics implements gen.StrictServerInterface.
func (s *Server) GetPlanStatistics(ctx context.Context, req gen.GetPlanStatisticsRequestObject) (gen.GetPlanStatisticsResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	p := req.Params
	page, err := s.Reports.Plans(ctx, c.orgID, listQuery[string, string](p.Limit, p.Offset, nil, nil, noParam))
	if err != nil {
		return nil, err
	}
	out := gen.GetPlanStatistics200JSONResponse{Count: page.Count, Offset: page.Offset}
	out.PlanBreakdown = make([]gen.PlanBreakdownItem, 0, len(page.Items))
	for _, u := range page.Items {
		var item gen.PlanBreakdownItem
		item.PlanId, item.Name, item.Quota, item.Default = ids.Format(u.Plan.ID), u.Plan.Name, u.Plan.Quota, u.Plan.Default
		// The Originators listed, read in the same statement; an empty list, not null (it is required).
		item.OriginatorCount = len(u.Originators)
		item.Originators = make([]gen.PlanOriginator, 0, len(u.Originators))
		for _, o := range u.Originators {
			var e gen.PlanOriginator
			e.Id, e.Email, e.FirstName, e.LastName = ids.Format(o.UserID), openapi_types.Email(o.Email), o.FirstName, o.LastName
			item.Originators = append(item.Originators, e)
		}
		out.PlanBreakdown = append(out.PlanBreakdown, item)
	}
	return out, nil
}

func planOut(p plan.Plan) gen.Plan {
	return gen.Plan{Id: ids.Format(p.ID), Name: p.Name, Description: p.Description, Quota: p.Quota, Default: p.Default,
		OriginatorCount: p.OriginatorCount, CreatedAt: p.CreatedAt}
}
