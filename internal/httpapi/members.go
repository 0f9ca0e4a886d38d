package httpapi

import (
	"context"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/organisation"
)

// AddMember implements gen.StrictServerInterface.
func (s *Server) AddMember(ctx context.Context, req gen.AddMemberRequestObject) (gen.AddMemberResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	var planID *int64
	if b.PlanId != nil {
		id := pathID(*b.PlanId)
		planID = &id
	}
	m, err := s.Orgs.AddMember(ctx, c.orgID, string(b.Email), organisation.Role(b.Role), b.IsOrgAdmin != nil && *b.IsOrgAdmin, planID)
	if err != nil {
		return nil, err
	}
	loc := "/api/v1/organisations/" + ids.Format(c.orgID) + "/users/" + ids.Format(m.User.ID)
	return gen.AddMember200JSONResponse{Body: memberOut(m), Headers: gen.AddMember200ResponseHeaders{Location: &loc}}, nil
}

// ListMembers implements gen.StrictServerInterface.
func (s *Server) ListMembers(ctx context.Context, req gen.ListMembersRequestObject) (gen.ListMembersResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	p := req.Params
	page, err := s.Orgs.Members(ctx, c.orgID, listQuery(p.Limit, p.Offset, p.OrderBy, p.SortBy, p.Search))
	if err != nil {
		return nil, err
	}
	return gen.ListMembers200JSONResponse(pageOut(page, memberOut)), nil
}

// UpdateMember implements gen.StrictServerInterface.
func (s *Server) UpdateMember(ctx context.Context, req gen.UpdateMemberRequestObject) (gen.UpdateMemberResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	ch := organisation.MemberChange{IsOrgAdmin: b.IsOrgAdmin}
	if b.Role != nil {
		r := organisation.Role(*b.Role)
		ch.Role = &r
	}
	if b.PlanId != nil {
		id := pathID(*b.PlanId)
		ch.PlanID = &id
	}
	m, err := s.Orgs.UpdateMember(ctx, c.orgID, pathID(req.UserId), ch)
	if err != nil {
		return nil, err
	}
	return gen.UpdateMember200JSONResponse(memberOut(m)), nil
}

// RemoveMember implements gen.StrictServerInterface.
func (s *Server) RemoveMember(ctx context.Context, req gen.RemoveMemberRequestObject) (gen.RemoveMemberResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Orgs.RemoveMember(ctx, c.orgID, pathID(req.UserId)); err != nil {
		return nil, err
	}
	return gen.RemoveMember200Response{}, nil
}

func memberOut(m organisation.Member) gen.Member {
	out := gen.Member{
		Id: ids.Format(m.User.ID), Email: openapi_types.Email(m.User.Email), FirstName: m.User.FirstName,
		LastName: m.User.LastName, MfaEnabled: m.User.MFAEnabled, AccountType: gen.MemberAccountTypeLocal,
		Role: gen.MemberRole(m.Role), IsOrgAdmin: m.IsOrgAdmin,
		// No password yet: invited to choose one, and unable to sign in until then.
		InvitationPending: m.User.PasswordHash == "",
	}
	if m.PlanID != nil {
		p := ids.Format(*m.PlanID)
		out.PlanId = &p
	}
	return out
}
