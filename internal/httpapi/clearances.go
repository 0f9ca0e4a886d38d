package httpapi

// TEMPORARY STUBS on branch org-admin-spec: replaced by the real handlers before merging to main.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

func (s *Server) CreateClearance(ctx context.Context, request gen.CreateClearanceRequestObject) (gen.CreateClearanceResponseObject, error) {
	return nil, errors.New("CreateClearance: not built yet")
}

func (s *Server) ListClearances(ctx context.Context, request gen.ListClearancesRequestObject) (gen.ListClearancesResponseObject, error) {
	return nil, errors.New("ListClearances: not built yet")
}

func (s *Server) GetClearance(ctx context.Context, request gen.GetClearanceRequestObject) (gen.GetClearanceResponseObject, error) {
	return nil, errors.New("GetClearance: not built yet")
}

func (s *Server) UpdateClearance(ctx context.Context, request gen.UpdateClearanceRequestObject) (gen.UpdateClearanceResponseObject, error) {
	return nil, errors.New("UpdateClearance: not built yet")
}

func (s *Server) DeleteClearance(ctx context.Context, request gen.DeleteClearanceRequestObject) (gen.DeleteClearanceResponseObject, error) {
	return nil, errors.New("DeleteClearance: not built yet")
}

func (s *Server) ListClearanceMembers(ctx context.Context, request gen.ListClearanceMembersRequestObject) (gen.ListClearanceMembersResponseObject, error) {
	return nil, errors.New("ListClearanceMembers: not built yet")
}
