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
	q := listQuery(p.Limit, p.Offset, (*string)(p.OrderBy), (*string)(p.SortBy), p.Search)
	users, total, err := s.Users.SafeShareAdmins(ctx, q)
	if err != nil {
		return nil, err
	}
	items := make([]gen.User, len(users))
	for i, u := range users {
		items[i] = userOut(u)
	}
	return gen.ListSafeShareAdmins200JSONResponse{Items: items, Count: total, Offset: q.Offset}, nil
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
