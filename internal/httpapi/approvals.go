package httpapi

import (
	"context"
	"net/http"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/ids"
)

// ListApprovals implements gen.StrictServerInterface.
func (s *Server) ListApprovals(ctx context.Context, _ gen.ListApprovalsRequestObject) (gen.ListApprovalsResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.Grants.Approvals(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	out := make([]gen.Approval, len(list))
	for i, a := range list {
		out[i] = gen.Approval{Id: ids.Format(a.ID), ClientId: a.ClientID, AppName: a.AppName,
			ClientDescription: a.Description, Scopes: nonNilStrings(a.Scope), CreatedAt: a.CreatedAt}
	}
	return gen.ListApprovals200JSONResponse{Applications: out}, nil
}

// RevokeApproval implements gen.StrictServerInterface.
func (s *Server) RevokeApproval(ctx context.Context, req gen.RevokeApprovalRequestObject) (gen.RevokeApprovalResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	id, err := ids.Parse(req.ApprovalId)
	if err != nil {
		return nil, newProblem(http.StatusBadRequest, "approvalId is not an id.")
	}
	if err := s.Grants.RevokeApproval(ctx, u.ID, id); err != nil {
		return nil, err
	}
	return gen.RevokeApproval200Response{}, nil
}

// ExpireMySessions implements gen.StrictServerInterface.
func (s *Server) ExpireMySessions(ctx context.Context, _ gen.ExpireMySessionsRequestObject) (gen.ExpireMySessionsResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Grants.ExpireUser(ctx, u.ID); err != nil {
		return nil, err
	}
	return gen.ExpireMySessions200Response{}, nil
}
