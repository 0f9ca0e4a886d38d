package httpapi

// GET /api/v1 (the directory of operations) and GET /api/v1/config (the public configuration).

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/property"
)

// GetServices implements gen.StrictServerInterface.
func (s *Server) GetServices(ctx context.Context, _ gen.GetServicesRequestObject) (gen.GetServicesResponseObject, error) {
	values, err := s.Properties.Values(ctx)
	if err != nil {
		return nil, err
	}
	dir := gen.GetServices200JSONResponse{
		ContentServiceURL: values[property.ContentServiceURL],
		WebappServiceURL:  values[property.WebappServiceURL],
		Services:          s.services,
	}
	// The directory changes only with the two URLs: encode it once per pair, not once per request.
	if c := s.directory.Load(); c != nil && c.content == dir.ContentServiceURL && c.webapp == dir.WebappServiceURL {
		return c.body, nil
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(dir); err != nil {
		return nil, err
	}
	c := &encodedDirectory{content: dir.ContentServiceURL, webapp: dir.WebappServiceURL, body: encodedJSON(buf.Bytes())}
	s.directory.Store(c)
	return c.body, nil
}

type encodedDirectory struct {
	content, webapp string
	body            encodedJSON
}

// encodedJSON is a 200 answer of JSON encoded beforehand (the same bytes gen's response type writes).
type encodedJSON []byte

func (b encodedJSON) VisitGetServicesResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b)
	return err
}

// GetPublicConfig implements gen.StrictServerInterface.
func (s *Server) GetPublicConfig(ctx context.Context, _ gen.GetPublicConfigRequestObject) (gen.GetPublicConfigResponseObject, error) {
	values, err := s.Properties.Values(ctx)
	if err != nil {
		return nil, err
	}
	policy, err := s.Properties.PasswordPolicy(ctx)
	if err != nil {
		return nil, err
	}
	return gen.GetPublicConfig200JSONResponse{
		ContentServiceURL: values[property.ContentServiceURL],
		WebappServiceURL:  values[property.WebappServiceURL],
		PasswordMinLength: policy.MinLength,
		PasswordMaxLength: policy.MaxLength,
	}, nil
}
