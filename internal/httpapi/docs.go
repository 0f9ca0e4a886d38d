package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v3"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/explorer"
)

// The service describes itself: its OpenAPI document at /openapi.yaml and /openapi.json, and the API
// explorer at /docs. The explorer's assets (/docs/NAME) are not API operations: they are served by
// serveExplorerAsset, and the request validator deliberately skips exactly those paths.

const explorerAssetPrefix = "/docs/"

// isExplorerAsset tells the request validator which requests to leave alone: GET and HEAD below /docs/.
func isExplorerAsset(c echo.Context) bool {
	r := c.Request()
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.HasPrefix(r.URL.Path, explorerAssetPrefix)
}

func (s *Server) serveExplorerAsset(c echo.Context) error {
	name := strings.TrimPrefix(c.Request().URL.Path, explorerAssetPrefix)
	if name == "" {
		return c.Redirect(http.StatusMovedPermanently, "../docs")
	}
	if !s.explorer.Serve(c.Response(), c.Request(), name) {
		return echo.ErrNotFound
	}
	return nil
}

// GetOpenApiYaml implements gen.StrictServerInterface.
func (s *Server) GetOpenApiYaml(context.Context, gen.GetOpenApiYamlRequestObject) (gen.GetOpenApiYamlResponseObject, error) {
	spec := gen.SpecYAML()
	return gen.GetOpenApiYaml200ApplicationyamlResponse{Body: bytes.NewReader(spec), ContentLength: int64(len(spec))}, nil
}

// GetOpenApiJson implements gen.StrictServerInterface.
func (s *Server) GetOpenApiJson(context.Context, gen.GetOpenApiJsonRequestObject) (gen.GetOpenApiJsonResponseObject, error) {
	return gen.GetOpenApiJson200JSONResponse(s.specJSON), nil
}

// GetApiExplorer implements gen.StrictServerInterface.
func (s *Server) GetApiExplorer(context.Context, gen.GetApiExplorerRequestObject) (gen.GetApiExplorerResponseObject, error) {
	page := s.explorer.Page()
	csp := explorer.ContentSecurityPolicy
	return gen.GetApiExplorer200TexthtmlResponse{
		Body: bytes.NewReader(page), ContentLength: int64(len(page)),
		Headers: gen.GetApiExplorer200ResponseHeaders{ContentSecurityPolicy: &csp},
	}, nil
}

// specAsJSON converts the embedded YAML document to the JSON data model, once, at start.
func specAsJSON(doc []byte) (map[string]any, error) {
	var v any
	if err := yaml.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	v, err := jsonValue(v)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the document is not a mapping")
	}
	// Make sure what we serve is JSON through and through.
	if _, err := json.Marshal(m); err != nil {
		return nil, err
	}
	return m, nil
}

// jsonValue turns YAML mappings with non-string keys (an unquoted `200:`) into JSON objects.
func jsonValue(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			j, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			t[k] = j
		}
		return t, nil
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			j, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			m[fmt.Sprint(k)] = j
		}
		return m, nil
	case []any:
		for i, e := range t {
			j, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			t[i] = j
		}
		return t, nil
	default:
		return v, nil
	}
}
