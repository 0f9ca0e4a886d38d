package httpapi

// The caller's own account: GET and PUT /api/v1/users/me, and the account reads the handlers share.

import (
	"context"
	"errors"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/user"
)

// GetMe implements gen.StrictServerInterface.
func (s *Server) GetMe(ctx context.Context, _ gen.GetMeRequestObject) (gen.GetMeResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	me, err := s.meOf(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.GetMe200JSONResponse(me), nil
}

// UpdateMe implements gen.StrictServerInterface.
func (s *Server) UpdateMe(ctx context.Context, req gen.UpdateMeRequestObject) (gen.UpdateMeResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	u, err = s.Users.UpdateProfile(ctx, u.ID, user.Profile{
		FirstName: b.FirstName, LastName: b.LastName, OtherName: b.OtherName, MobileNumber: b.MobileNumber,
	})
	if err != nil {
		return nil, err
	}
	me, err := s.meOf(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.UpdateMe200JSONResponse(me), nil
}

// currentUser is the caller's account. A token whose account was removed after it was issued is refused.
func (s *Server) currentUser(ctx context.Context) (user.User, error) {
	p, err := caller(ctx)
	if err != nil {
		return user.User{}, err
	}
	return s.accountOf(ctx, p.UserID)
}

// accountOf is the account of a token's user; an account removed after the token was issued refuses it.
func (s *Server) accountOf(ctx context.Context, id int64) (user.User, error) {
	u, err := s.Users.Active(ctx, id)
	if errors.Is(err, user.ErrNotFound) {
		return user.User{}, unauthorized(`Bearer realm="access-service", error="invalid_token"`, "The access token's account no longer exists or is disabled.")
	}
	return u, err
}

// meOf is the caller's account with their memberships, read in one query, and whether their MFA is
// required (as shown says, from the same memberships).
func (s *Server) meOf(ctx context.Context, u user.User) (gen.Me, error) {
	ms, err := s.Orgs.Memberships(ctx, u.ID)
	if err != nil {
		return gen.Me{}, err
	}
	u.MFAEnabled = u.MFAEnabled || len(organisation.EnforcersAmong(ms)) > 0 // as shown says it
	orgs := make([]gen.Membership, len(ms))
	for i, m := range ms {
		orgs[i] = gen.Membership{Id: ids.Format(m.OrganisationID), Name: m.OrganisationName, Role: gen.MembershipRole(m.Role), IsOrgAdmin: m.IsOrgAdmin}
	}
	return gen.Me{
		Id: ids.Format(u.ID), Email: openapi_types.Email(u.Email), FirstName: u.FirstName, LastName: u.LastName,
		OtherName: u.OtherName, MobileNumber: u.MobileNumber, MfaEnabled: u.MFAEnabled,
		AccountType: gen.MeAccountTypeLocal, SafeShareAdmin: u.SafeShareAdmin, Organisations: orgs,
	}, nil
}
