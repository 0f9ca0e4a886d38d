package httpapi

// TEMPORARY stubs of issue 21 (area: password): the helper that builds the area replaces this file.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

// OpenForgotPassword implements gen.StrictServerInterface (stub).
func (s *Server) OpenForgotPassword(ctx context.Context, req gen.OpenForgotPasswordRequestObject) (gen.OpenForgotPasswordResponseObject, error) {
	return nil, errors.New("OpenForgotPassword: not built yet")
}

// RequestPasswordReset implements gen.StrictServerInterface (stub).
func (s *Server) RequestPasswordReset(ctx context.Context, req gen.RequestPasswordResetRequestObject) (gen.RequestPasswordResetResponseObject, error) {
	return nil, errors.New("RequestPasswordReset: not built yet")
}

// OpenPasswordLink implements gen.StrictServerInterface (stub).
func (s *Server) OpenPasswordLink(ctx context.Context, req gen.OpenPasswordLinkRequestObject) (gen.OpenPasswordLinkResponseObject, error) {
	return nil, errors.New("OpenPasswordLink: not built yet")
}

// ChoosePassword implements gen.StrictServerInterface (stub).
func (s *Server) ChoosePassword(ctx context.Context, req gen.ChoosePasswordRequestObject) (gen.ChoosePasswordResponseObject, error) {
	return nil, errors.New("ChoosePassword: not built yet")
}

// ResendInvitation implements gen.StrictServerInterface (stub).
func (s *Server) ResendInvitation(ctx context.Context, req gen.ResendInvitationRequestObject) (gen.ResendInvitationResponseObject, error) {
	return nil, errors.New("ResendInvitation: not built yet")
}
