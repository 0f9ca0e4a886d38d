package httpapi

// TEMPORARY stubs while issue 19's i18n work is built; the helper building it deletes this file.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

func (s *Server) SetDefaultLocale(ctx context.Context, request gen.SetDefaultLocaleRequestObject) (gen.SetDefaultLocaleResponseObject, error) {
	return nil, errors.New("SetDefaultLocale is not built yet")
}

func (s *Server) ListLocales(ctx context.Context, request gen.ListLocalesRequestObject) (gen.ListLocalesResponseObject, error) {
	return nil, errors.New("ListLocales is not built yet")
}

func (s *Server) GetLocaleBundle(ctx context.Context, request gen.GetLocaleBundleRequestObject) (gen.GetLocaleBundleResponseObject, error) {
	return nil, errors.New("GetLocaleBundle is not built yet")
}

func (s *Server) UploadLocaleBundle(ctx context.Context, request gen.UploadLocaleBundleRequestObject) (gen.UploadLocaleBundleResponseObject, error) {
	return nil, errors.New("UploadLocaleBundle is not built yet")
}

func (s *Server) ResetLocaleBundle(ctx context.Context, request gen.ResetLocaleBundleRequestObject) (gen.ResetLocaleBundleResponseObject, error) {
	return nil, errors.New("ResetLocaleBundle is not built yet")
}
