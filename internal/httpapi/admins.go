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
	if err != nil {
		return nil, err
	}
	return gen.SetSafeShareAdmin200JSONResponse(userOut(u)), nil
}

func userOut(u user.User) gen.User {
	return gen.User{
		Id: ids.Format(u.ID), Email: openapi_types.Email(u.Email), FirstName: u.FirstName, LastName: u.LastName,
		MfaEnabled: u.MFAEnabled, AccountType: gen.UserAccountTypeLocal, SafeShareAdmin: u.SafeShareAdmin,
	}
}
