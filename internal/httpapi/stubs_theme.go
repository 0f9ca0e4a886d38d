package httpapi

// TEMPORARY stubs while issue 19's theme work is built; the helper building it deletes this file.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

func (s *Server) GetTheme(ctx context.Context, request gen.GetThemeRequestObject) (gen.GetThemeResponseObject, error) {
	return nil, errors.New("GetTheme is not built yet")
}

func (s *Server) GetThemeProperty(ctx context.Context, request gen.GetThemePropertyRequestObject) (gen.GetThemePropertyResponseObject, error) {
	return nil, errors.New("GetThemeProperty is not built yet")
}

func (s *Server) SetThemeProperty(ctx context.Context, request gen.SetThemePropertyRequestObject) (gen.SetThemePropertyResponseObject, error) {
	return nil, errors.New("SetThemeProperty is not built yet")
}
