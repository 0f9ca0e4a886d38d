package httpapi

// The public keys that verify our access tokens (JWKS), for the Content Service and clients.

import (
	"context"
	"encoding/json"

	"github.com/cocoondata/access-service/gen"
)

// GetJwks implements gen.StrictServerInterface.
func (s *Server) GetJwks(context.Context, gen.GetJwksRequestObject) (gen.GetJwksResponseObject, error) {
	raw, err := json.Marshal(s.Keys.Public())
	if err != nil {
		return nil, err
	}
	var set gen.JsonWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, err
	}
	return gen.GetJwks200JSONResponse(set), nil
}
