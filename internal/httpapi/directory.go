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
	snap, err := s.Properties.Current(ctx)
	if err != nil {
		return nil, err
	}
	dir := gen.GetServices200JSONResponse{
		ContentServiceURL: snap.ContentServiceURL,
		WebappServiceURL:  snap.WebappServiceURL,
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

// GetPublicConfig implements gen.StrictServerInterface. It is served from the values in memory
// (property.Service.Current) and encoded once per reading of them: a request that finds the encoding
// of the snapshot it gets answers with those bytes.
func (s *Server) GetPublicConfig(ctx context.Context, _ gen.GetPublicConfigRequestObject) (gen.GetPublicConfigResponseObject, error) {
	snap, err := s.Properties.Current(ctx)
	if err != nil {
		return nil, err
	}
	if c := s.publicConfig.Load(); c != nil && c.snap == snap {
		return c.body, nil
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(publicConfigOut(snap)); err != nil {
		return nil, err
	}
	c := &encodedPublicConfig{snap: snap, body: encodedJSON(buf.Bytes())}
	s.publicConfig.Store(c)
	return c.body, nil
}

type encodedPublicConfig struct {
	snap *property.Snapshot
	body encodedJSON
}

func (b encodedJSON) VisitGetPublicConfigResponse(w http.ResponseWriter) error {
	return b.VisitGetServicesResponse(w)
}

// publicConfigOut is every public property (configGroup public), and nothing else.
func publicConfigOut(snap *property.Snapshot) gen.GetPublicConfig200JSONResponse {
	return gen.GetPublicConfig200JSONResponse{
		DottedContentServiceURL:     snap.ContentServiceURL,
		ContentServiceURL:           snap.ContentServiceURL,
		WebappServiceURL:            snap.WebappServiceURL,
		DocumentViewerEnabled:       snap.DocumentViewerEnabled,
		RequireLoginOnLaunch:        snap.RequireLoginOnLaunch,
		GoogleAnalyticsDomain:       snap.GoogleAnalyticsDomain,
		GoogleAnalyticsTrackingCode: snap.GoogleAnalyticsCode,
		PasswordMinLength:           snap.PasswordPolicy.MinLength,
		PasswordMaxLength:           snap.PasswordPolicy.MaxLength,
	}
}
