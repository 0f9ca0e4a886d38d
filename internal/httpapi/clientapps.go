package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/ids"
)

func clientAppOut(a clientapp.App) gen.ClientApp {
	grants := make([]gen.GrantType, len(a.GrantTypes))
	for i, g := range a.GrantTypes {
		grants[i] = gen.GrantType(g)
	}
	return gen.ClientApp{
		Id: ids.Format(a.ID), AppName: a.AppName, ClientId: a.ClientID, ClientDescription: a.Description,
		AccessTokenValiditySeconds:  int(a.AccessTokenValidity / time.Second),
		RefreshTokenValiditySeconds: int(a.RefreshTokenValidity / time.Second),
		AuthorizedGrantTypes:        grants, RegisteredRedirectUris: nonNilStrings(a.RedirectURIs),
		PostLogoutRedirectUris: nonNilStrings(a.PostLogoutRedirectURIs),
		Scope:                  nonNilStrings(a.Scope), AutoApprove: a.AutoApprove, Enabled: a.Enabled, HasSecret: !a.Public(),
		CreatedAt: a.CreatedAt,
	}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func grantStrings(g []gen.GrantType) []string {
	out := make([]string, len(g))
	for i, v := range g {
		out[i] = string(v)
	}
	return out
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// CreateClientApp implements gen.StrictServerInterface.
func (s *Server) CreateClientApp(ctx context.Context, req gen.CreateClientAppRequestObject) (gen.CreateClientAppResponseObject, error) {
	b := req.Body
	n := clientapp.NewApp{
		ClientID: b.ClientId, Secret: deref(b.ClientSecret), AppName: b.AppName, Description: deref(b.ClientDescription),
		AccessTokenValidity: seconds(b.AccessTokenValiditySeconds), RefreshTokenValidity: seconds(b.RefreshTokenValiditySeconds),
		GrantTypes: grantStrings(b.AuthorizedGrantTypes),
	}
	if b.RegisteredRedirectUris != nil {
		n.RedirectURIs = *b.RegisteredRedirectUris
	}
	if b.PostLogoutRedirectUris != nil {
		n.PostLogoutRedirectURIs = *b.PostLogoutRedirectUris
	}
	if b.Scope != nil {
		n.Scope = *b.Scope
	}
	if b.AutoApprove != nil {
		n.AutoApprove = *b.AutoApprove
	}
	a, err := s.Apps.Create(ctx, n)
	if err != nil {
		return nil, err
	}
	loc := s.Issuer + "/api/v1/clientapps/" + ids.Format(a.ID)
	return gen.CreateClientApp200JSONResponse{Body: clientAppOut(a), Headers: gen.CreateClientApp200ResponseHeaders{Location: &loc}}, nil
}

// ListClientApps implements gen.StrictServerInterface.
func (s *Server) ListClientApps(ctx context.Context, req gen.ListClientAppsRequestObject) (gen.ListClientAppsResponseObject, error) {
	p := req.Params
	page, err := s.Apps.List(ctx, listQuery(p.Limit, p.Offset, p.OrderBy, p.SortBy, noParam))
	if err != nil {
		return nil, err
	}
	return gen.ListClientApps200JSONResponse(pageOut(page, clientAppOut)), nil
}

// appID reads clientInfoId; the spec has checked its shape, but it may overflow 64 bits.
func appID(raw string) (int64, error) {
	id, err := ids.Parse(raw)
	if err != nil {
		return 0, newProblem(http.StatusBadRequest, "clientInfoId is not an id.")
	}
	return id, nil
}

// GetClientApp implements gen.StrictServerInterface.
func (s *Server) GetClientApp(ctx context.Context, req gen.GetClientAppRequestObject) (gen.GetClientAppResponseObject, error) {
	id, err := appID(req.ClientInfoId)
	if err != nil {
		return nil, err
	}
	a, err := s.Apps.ByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return gen.GetClientApp200JSONResponse(clientAppOut(a)), nil
}

// UpdateClientApp implements gen.StrictServerInterface.
func (s *Server) UpdateClientApp(ctx context.Context, req gen.UpdateClientAppRequestObject) (gen.UpdateClientAppResponseObject, error) {
	id, err := appID(req.ClientInfoId)
	if err != nil {
		return nil, err
	}
	b := req.Body
	c := clientapp.Change{AppName: b.AppName, Secret: b.ClientSecret, Description: b.ClientDescription, AutoApprove: b.AutoApprove}
	if b.AccessTokenValiditySeconds != nil {
		d := seconds(*b.AccessTokenValiditySeconds)
		c.AccessTokenValidity = &d
	}
	if b.RefreshTokenValiditySeconds != nil {
		d := seconds(*b.RefreshTokenValiditySeconds)
		c.RefreshTokenValidity = &d
	}
	if b.AuthorizedGrantTypes != nil {
		g := grantStrings(*b.AuthorizedGrantTypes)
		c.GrantTypes = &g
	}
	if b.RegisteredRedirectUris != nil {
		u := []string(*b.RegisteredRedirectUris)
		c.RedirectURIs = &u
	}
	if b.PostLogoutRedirectUris != nil {
		u := []string(*b.PostLogoutRedirectUris)
		c.PostLogoutRedirectURIs = &u
	}
	if b.Scope != nil {
		sc := []string(*b.Scope)
		c.Scope = &sc
	}
	a, err := s.Apps.Update(ctx, id, c)
	if err != nil {
		return nil, err
	}
	return gen.UpdateClientApp200JSONResponse(clientAppOut(a)), nil
}

// DeleteClientApp implements gen.StrictServerInterface.
func (s *Server) DeleteClientApp(ctx context.Context, req gen.DeleteClientAppRequestObject) (gen.DeleteClientAppResponseObject, error) {
	id, err := appID(req.ClientInfoId)
	if err != nil {
		return nil, err
	}
	if err := s.Apps.Delete(ctx, id); err != nil {
		return nil, err
	}
	return gen.DeleteClientApp200Response{}, nil
}

// ToggleClientApp implements gen.StrictServerInterface.
func (s *Server) ToggleClientApp(ctx context.Context, req gen.ToggleClientAppRequestObject) (gen.ToggleClientAppResponseObject, error) {
	id, err := appID(req.ClientInfoId)
	if err != nil {
		return nil, err
	}
	a, err := s.Apps.Toggle(ctx, id)
	if err != nil {
		return nil, err
	}
	return gen.ToggleClientApp200JSONResponse(clientAppOut(a)), nil
}
