package httpapi

// TEMPORARY stubs of issue 21 (area: discovery): the helper that builds the area replaces this file.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

// GetOpenIdConfiguration implements gen.StrictServerInterface (stub).
func (s *Server) GetOpenIdConfiguration(ctx context.Context, req gen.GetOpenIdConfigurationRequestObject) (gen.GetOpenIdConfigurationResponseObject, error) {
	return nil, errors.New("GetOpenIdConfiguration: not built yet")
}
