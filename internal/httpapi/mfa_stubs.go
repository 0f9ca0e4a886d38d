package httpapi

// TEMPORARY (branch mfa-spec only): the MFA operations before their handlers land. Never merged.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

var errStub = errors.New("not built yet")

func (s *Server) VerifySignInCode(ctx context.Context, req gen.VerifySignInCodeRequestObject) (gen.VerifySignInCodeResponseObject, error) {
	return nil, errStub
}
func (s *Server) OpenMfaSetup(ctx context.Context, req gen.OpenMfaSetupRequestObject) (gen.OpenMfaSetupResponseObject, error) {
	return nil, errStub
}
func (s *Server) CompleteMfaSetup(ctx context.Context, req gen.CompleteMfaSetupRequestObject) (gen.CompleteMfaSetupResponseObject, error) {
	return nil, errStub
}
func (s *Server) GetMyMfa(ctx context.Context, req gen.GetMyMfaRequestObject) (gen.GetMyMfaResponseObject, error) {
	return nil, errStub
}
func (s *Server) StartMyMfaPairing(ctx context.Context, req gen.StartMyMfaPairingRequestObject) (gen.StartMyMfaPairingResponseObject, error) {
	return nil, errStub
}
func (s *Server) ConfirmMyMfaPairing(ctx context.Context, req gen.ConfirmMyMfaPairingRequestObject) (gen.ConfirmMyMfaPairingResponseObject, error) {
	return nil, errStub
}
func (s *Server) DisableMyMfa(ctx context.Context, req gen.DisableMyMfaRequestObject) (gen.DisableMyMfaResponseObject, error) {
	return nil, errStub
}
func (s *Server) UpdateUser(ctx context.Context, req gen.UpdateUserRequestObject) (gen.UpdateUserResponseObject, error) {
	return nil, errStub
}
