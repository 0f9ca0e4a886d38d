package httpapi

import (
	"context"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/user"
)

// ListSafeShareAdmins implements gen.StrictServerInterface.
func (s *Server) ListSafeShareAdmins(ctx context.Context, req gen.ListSafeShareAdminsRequestObject) (gen.ListSafeShareAdminsResponseObject, error) {
	p := req.Params
	page, err := s.Users.SafeShareAdmins(ctx, listQuery(p.Limit, p.Offset, p.OrderBy, p.SortBy, p.Search))
	if err != nil {
		return nil, err
	}
	return gen.ListSafeShareAdmins200JSONResponse(pageOut(page, userOut)), nil
}

// SetSafeShareAdmin implements gen.StrictServerInterface.
func (s *Server) SetSafeShareAdmin(ctx context.Context, req gen.SetSafeShareAdminRequestObject) (gen.SetSafeShareAdminResponseObject, error) {
	caller, err := s.safeShareAdminCaller(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.Users.SetSafeShareAdmin(ctx, caller, string(req.Body.Email), req.Body.SafeShareAdmin)
	if err == nil {
		u, err = s.shown(ctx, u)
	}
	if err != nil {
		return nil, err
	}
	return gen.SetSafeShareAdmin200JSONResponse(userOut(u)), nil
}

// shown is the account as the API shows it: mfaEnabled says whether MFA is required (enabled on the
// account, or enforced by an organisation), as the lists of users say it (store.mfaRequiredSQL).
func (s *Server) shown(ctx context.Context, u user.User) (user.User, error) {
	if u.MFAEnabled {
		return u, nil
	}
	enf, err := s.Orgs.MFAEnforcers(ctx, u.ID)
	u.MFAEnabled = len(enf) > 0
	return u, err
}

func userOut(u user.User) gen.User {
	return gen.User{
		Id: ids.Format(u.ID), Email: openapi_types.Email(u.Email), FirstName: u.FirstName, LastName: u.LastName,
		MfaEnabled: u.MFAEnabled, AccountType: gen.UserAccountTypeLocal, SafeShareAdmin: u.SafeShareAdmin,
	}
}
