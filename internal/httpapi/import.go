package httpapi

// TEMPORARY STUB on branch import: replaced by the real handler before merging to main.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

func (s *Server) ImportMembers(ctx context.Context, request gen.ImportMembersRequestObject) (gen.ImportMembersResponseObject, error) {
	return nil, errors.New("ImportMembers: not built yet")
}
