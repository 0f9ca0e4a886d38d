package httpapi

// TEMPORARY stubs of issue 21 (area: oidc): the helper that builds the area replaces this file.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

// GetUserInfo implements gen.StrictServerInterface (stub).
func (s *Server) GetUserInfo(ctx context.Context, req gen.GetUserInfoRequestObject) (gen.GetUserInfoResponseObject, error) {
	return nil, errors.New("GetUserInfo: not built yet")
}

// PostUserInfo implements gen.StrictServerInterface (stub).
func (s *Server) PostUserInfo(ctx context.Context, req gen.PostUserInfoRequestObject) (gen.PostUserInfoResponseObject, error) {
	return nil, errors.New("PostUserInfo: not built yet")
}
