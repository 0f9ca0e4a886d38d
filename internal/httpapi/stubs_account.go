package httpapi

// TEMPORARY stubs of issue 21 (area: account): the helper that builds the area replaces this file.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

// StartSignOut implements gen.StrictServerInterface (stub).
func (s *Server) StartSignOut(ctx context.Context, req gen.StartSignOutRequestObject) (gen.StartSignOutResponseObject, error) {
	return nil, errors.New("StartSignOut: not built yet")
}

// SignOut implements gen.StrictServerInterface (stub).
func (s *Server) SignOut(ctx context.Context, req gen.SignOutRequestObject) (gen.SignOutResponseObject, error) {
	return nil, errors.New("SignOut: not built yet")
}

// GetAccountPage implements gen.StrictServerInterface (stub).
func (s *Server) GetAccountPage(ctx context.Context, req gen.GetAccountPageRequestObject) (gen.GetAccountPageResponseObject, error) {
	return nil, errors.New("GetAccountPage: not built yet")
}

// RevokeAccountApp implements gen.StrictServerInterface (stub).
func (s *Server) RevokeAccountApp(ctx context.Context, req gen.RevokeAccountAppRequestObject) (gen.RevokeAccountAppResponseObject, error) {
	return nil, errors.New("RevokeAccountApp: not built yet")
}

// EndAccountSessions implements gen.StrictServerInterface (stub).
func (s *Server) EndAccountSessions(ctx context.Context, req gen.EndAccountSessionsRequestObject) (gen.EndAccountSessionsResponseObject, error) {
	return nil, errors.New("EndAccountSessions: not built yet")
}

// SetUpAccountMfa implements gen.StrictServerInterface (stub).
func (s *Server) SetUpAccountMfa(ctx context.Context, req gen.SetUpAccountMfaRequestObject) (gen.SetUpAccountMfaResponseObject, error) {
	return nil, errors.New("SetUpAccountMfa: not built yet")
}
