package httpapi

import (
	"context"
	"errors"
	"fmt"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/clearance"
	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/ids"
)

func clearanceOut(c clearance.Clearance) gen.Clearance {
	return gen.Clearance{
		Id: ids.Format(c.ID), Name: c.Name, Description: c.Description, LabelCount: c.LabelCount,
		MemberCount: c.MemberCount, CreatedAt: c.CreatedAt,
	}
}

// clearanceMemberOut is a clearance's user with, as organisations, only their membership of the
// clearance's organisation.
func clearanceMemberOut(orgID int64) func(clearance.Member) gen.ClearanceMember {
	return func(m clearance.Member) gen.ClearanceMember {
		return gen.ClearanceMember{
			Id: ids.Format(m.User.ID), Email: openapi_types.Email(m.User.Email), FirstName: m.User.FirstName,
			LastName: m.User.LastName, MfaEnabled: m.User.MFAEnabled, AccountType: gen.ClearanceMemberAccountTypeLocal,
			Organisations: []gen.Membership{{
				Id: ids.Format(orgID), Name: m.OrganisationName, Role: gen.MembershipRole(m.Role), IsOrgAdmin: m.IsOrgAdmin,
			}},
		}
	}
}

// pathIDs reads a list of ids the spec has checked (1–19 digits); one past 64 bits names nothing, as a
// path id's does (pathID), and is refused by the domain as an id of nothing.
func pathIDs(raw *gen.IdList) []int64 {
	if raw == nil {
		return nil
	}
	out := make([]int64, len(*raw))
	for i, r := range *raw {
		out[i] = pathID(r)
	}
	return out
}

// CreateClearance implements gen.StrictServerInterface.
func (s *Server) CreateClearance(ctx context.Context, req gen.CreateClearanceRequestObject) (gen.CreateClearanceResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	created, err := s.Clearances.Create(ctx, c.orgID, req.Body.Name, derefOr(req.Body.Description, ""))
	if err != nil {
		return nil, err
	}
	return gen.CreateClearance200JSONResponse(clearanceOut(created)), nil
}

// ListClearances implements gen.StrictServerInterface.
func (s *Server) ListClearances(ctx context.Context, req gen.ListClearancesRequestObject) (gen.ListClearancesResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	p := req.Params
	page, err := s.Clearances.List(ctx, c.orgID, listQuery(p.Limit, p.Offset, p.OrderBy, p.SortBy, p.Search))
	if err != nil {
		return nil, err
	}
	return gen.ListClearances200JSONResponse(pageOut(page, clearanceOut)), nil
}

// GetClearance implements gen.StrictServerInterface.
func (s *Server) GetClearance(ctx context.Context, req gen.GetClearanceRequestObject) (gen.GetClearanceResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	got, err := s.Clearances.Get(ctx, c.orgID, pathID(req.GroupId))
	if err != nil {
		return nil, err
	}
	return gen.GetClearance200JSONResponse(clearanceOut(got)), nil
}

// UpdateClearance implements gen.StrictServerInterface.
func (s *Server) UpdateClearance(ctx context.Context, req gen.UpdateClearanceRequestObject) (gen.UpdateClearanceResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	updated, err := s.Clearances.Update(ctx, c.orgID, pathID(req.GroupId), clearance.Change{
		Name: b.Name, Description: b.Description,
		AddLabels: pathIDs(b.AddLabels), RemoveLabels: pathIDs(b.RemoveLabels),
		AddUsers: pathIDs(b.AddUsers), RemoveUsers: pathIDs(b.RemoveUsers),
	})
	var items errs.Items
	if errors.As(err, &items) {
		// Each refused id as the request names it: the list (the item's Field) and its place, addUsers[2].
		return nil, items.Named(func(e *errs.ItemError) string { return fmt.Sprintf("%s[%d]", e.Field, e.Index) })
	}
	if err != nil {
		return nil, err
	}
	return gen.UpdateClearance200JSONResponse(clearanceOut(updated)), nil
}

// DeleteClearance implements gen.StrictServerInterface.
func (s *Server) DeleteClearance(ctx context.Context, req gen.DeleteClearanceRequestObject) (gen.DeleteClearanceResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Clearances.Delete(ctx, c.orgID, pathID(req.GroupId)); err != nil {
		return nil, err
	}
	return gen.DeleteClearance200Response{}, nil
}

// ListClearanceMembers implements gen.StrictServerInterface.
func (s *Server) ListClearanceMembers(ctx context.Context, req gen.ListClearanceMembersRequestObject) (gen.ListClearanceMembersResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	p := req.Params
	page, err := s.Clearances.Members(ctx, c.orgID, pathID(req.GroupId), listQuery(p.Limit, p.Offset, p.OrderBy, p.SortBy, noParam))
	if err != nil {
		return nil, err
	}
	return gen.ListClearanceMembers200JSONResponse(pageOut(page, clearanceMemberOut(c.orgID))), nil
}
