package httpapi

// The theme ("System Details"): GET /theme and GET /theme/{property}, public (the sign-in pages and
// every web client read them), and PUT /api/v1/config/theme/{property} (SafeShare administrators).

import (
	"context"
	"net/http"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/theme"
)

// GetTheme implements gen.StrictServerInterface: the theme's JSON, encoded once per read of the store.
func (s *Server) GetTheme(ctx context.Context, _ gen.GetThemeRequestObject) (gen.GetThemeResponseObject, error) {
	t, err := s.Theme.Current(ctx)
	if err != nil {
		return nil, err
	}
	return encodedJSON(t.JSON()), nil // the JSON gen.Theme would encode to
}

func (b encodedJSON) VisitGetThemeResponse(w http.ResponseWriter) error {
	return b.VisitGetServicesResponse(w)
}

// GetThemeProperty implements gen.StrictServerInterface.
func (s *Server) GetThemeProperty(ctx context.Context, req gen.GetThemePropertyRequestObject) (gen.GetThemePropertyResponseObject, error) {
	p, err := s.Theme.Get(ctx, req.Property)
	if err != nil {
		return nil, err
	}
	return gen.GetThemeProperty200JSONResponse(themePropertyOut(p)), nil
}

// SetThemeProperty implements gen.StrictServerInterface: a text/plain body is the new value; the JSON
// body {} (the only one the spec lets through) clears the property.
func (s *Server) SetThemeProperty(ctx context.Context, req gen.SetThemePropertyRequestObject) (gen.SetThemePropertyResponseObject, error) {
	var (
		p   theme.Property
		err error
	)
	switch {
	case req.TextBody != nil:
		p, err = s.Theme.Set(ctx, req.Property, *req.TextBody)
	case req.JSONBody != nil:
		p, err = s.Theme.Clear(ctx, req.Property)
	default: // the validator lets no other media type through
		return nil, newProblem(http.StatusUnsupportedMediaType, "This endpoint takes text/plain or application/json bodies.")
	}
	if err != nil {
		return nil, err
	}
	return gen.SetThemeProperty200JSONResponse(themePropertyOut(p)), nil
}

func themePropertyOut(p theme.Property) gen.ThemeProperty {
	return gen.ThemeProperty{Name: p.Name, Value: p.Value}
}
