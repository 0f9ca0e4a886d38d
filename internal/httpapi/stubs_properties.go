package httpapi

// TEMPORARY stubs while issue 19's properties work is built; the helper building it deletes this file.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

func (s *Server) ListServerProperties(ctx context.Context, request gen.ListServerPropertiesRequestObject) (gen.ListServerPropertiesResponseObject, error) {
	return nil, errors.New("ListServerProperties is not built yet")
}

func (s *Server) GetServerProperty(ctx context.Context, request gen.GetServerPropertyRequestObject) (gen.GetServerPropertyResponseObject, error) {
	return nil, errors.New("GetServerProperty is not built yet")
}

func (s *Server) SetServerProperty(ctx context.Context, request gen.SetServerPropertyRequestObject) (gen.SetServerPropertyResponseObject, error) {
	return nil, errors.New("SetServerProperty is not built yet")
}
