package httpapi

// Languages (/api/v1/i18n, tag languages): the locales offered, their bundles, the platform's default.
// The rules are package i18n's; the pages' choice of language is pageTexts.

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/i18n"
)

func localeOut(l i18n.Locale) gen.Locale {
	return gen.Locale{LocaleCode: l.Code, DisplayDescription: l.Name}
}

func localeDetailsOut(d i18n.Details) gen.LocaleDetails {
	return gen.LocaleDetails{Locale: localeOut(d.Locale), HasBuiltinBundle: d.HasBuiltin, HasCustomBundle: d.HasCustom,
		AdminDefault: d.AdminDefault}
}

// SetDefaultLocale implements gen.StrictServerInterface.
func (s *Server) SetDefaultLocale(ctx context.Context, req gen.SetDefaultLocaleRequestObject) (gen.SetDefaultLocaleResponseObject, error) {
	l, err := s.I18n.SetDefault(ctx, req.Body.I18nCode)
	if err != nil {
		return nil, err
	}
	return gen.SetDefaultLocale200JSONResponse{I18nCode: l.Code}, nil
}

// ListLocales implements gen.StrictServerInterface.
func (s *Server) ListLocales(ctx context.Context, req gen.ListLocalesRequestObject) (gen.ListLocalesResponseObject, error) {
	p, err := s.I18n.List(ctx, listQuery(req.Params.Limit, req.Params.Offset, noParam, noParam, noParam))
	if err != nil {
		return nil, err
	}
	return gen.ListLocales200JSONResponse(pageOut(p, localeDetailsOut)), nil
}

// GetLocaleBundle implements gen.StrictServerInterface.
func (s *Server) GetLocaleBundle(ctx context.Context, req gen.GetLocaleBundleRequestObject) (gen.GetLocaleBundleResponseObject, error) {
	b, err := s.I18n.Bundle(ctx, req.LocaleCode)
	if err != nil {
		return nil, err
	}
	return gen.GetLocaleBundle200JSONResponse(b), nil
}

// UploadLocaleBundle implements gen.StrictServerInterface. The locale is checked (404) before the file
// is read.
func (s *Server) UploadLocaleBundle(ctx context.Context, req gen.UploadLocaleBundleRequestObject) (gen.UploadLocaleBundleResponseObject, error) {
	if _, ok := i18n.Lookup(req.LocaleCode); !ok {
		return nil, i18n.ErrLocaleNotFound
	}
	data, err := bundleFilePart(req.Body)
	if err != nil {
		return nil, err
	}
	d, err := s.I18n.Upload(ctx, req.LocaleCode, data)
	if err != nil {
		return nil, err
	}
	return gen.UploadLocaleBundle200JSONResponse(localeDetailsOut(d)), nil
}

// ResetLocaleBundle implements gen.StrictServerInterface.
func (s *Server) ResetLocaleBundle(ctx context.Context, req gen.ResetLocaleBundleRequestObject) (gen.ResetLocaleBundleResponseObject, error) {
	d, err := s.I18n.Reset(ctx, req.LocaleCode)
	if err != nil {
		return nil, err
	}
	return gen.ResetLocaleBundle200JSONResponse(localeDetailsOut(d)), nil
}

// bundleFilePart reads the part named file (the body's limit, MaxBodyBytes, bounds it: 413 beyond).
func bundleFilePart(mr *multipart.Reader) ([]byte, error) {
	if mr == nil {
		return nil, newProblem(http.StatusBadRequest, "the request has no file part")
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, newProblem(http.StatusBadRequest, "the request has no file part")
		}
		if err != nil {
			return nil, bundleReadError(err)
		}
		if p.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, bundleReadError(err)
		}
		return data, nil
	}
}

// bundleReadError: a body over the limit is 413; anything else the form is not well formed.
func bundleReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return echo.ErrStatusRequestEntityTooLarge
	}
	return newProblem(http.StatusBadRequest, "the multipart body is malformed")
}

// pageTexts are the strings a page is shown in: the locale among those with a bundle that best matches
// the browser's Accept-Language, else the platform's default (i18n.Service.ForPage). A page is never
// refused for its language: if the languages cannot be read, it is shown in the built-in one.
func (s *Server) pageTexts(ctx context.Context) i18n.Texts {
	if s.I18n == nil {
		return i18n.BuiltinTexts()
	}
	t, err := s.I18n.ForPage(ctx, stateFrom(ctx).acceptLanguage())
	if err != nil && ctx.Err() == nil {
		loggerFrom(ctx, s.log).Warn("page in the built-in language: the languages could not be read", "error", err.Error())
	}
	return t
}
