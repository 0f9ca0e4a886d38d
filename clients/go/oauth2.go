package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/oauth2"
)

// TokenPath is the service's token endpoint (RFC 6749 section 3.2), relative to its base URL.
const TokenPath = "/api/oauth/token"

// OAuth2Config describes the client application clientID of the service at baseURL (for example
// http://127.0.0.1:8080) for golang.org/x/oauth2: the token endpoint is TokenPath and the client's
// credentials go in HTTP Basic (oauth2.AuthStyleInHeader), as the service asks. Scopes may be empty:
// the service then grants the client application's scopes.
func OAuth2Config(baseURL, clientID, clientSecret string, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		Scopes:       scopes,
		Endpoint: oauth2.Endpoint{
			TokenURL:  strings.TrimRight(baseURL, "/") + TokenPath,
			AuthStyle: oauth2.AuthStyleInHeader,
		},
	}
}

// ErrMFARequired is returned by a password token source when the account has MFA on: the service then
// answers with a restrictive token that only its `mfa` grant (with the authenticator's current code)
// turns into a full one, which a non-interactive token source cannot do.
var ErrMFARequired = errors.New("access-service: the account has MFA on: the password grant gives only a restrictive token")

// PasswordTokenSource signs username in with the password grant of cfg's client application (which must
// be a confidential client allowed the password grant) when a token is first asked for, and keeps a
// valid token from then on: it reuses the token until it expires, refreshes it with the refresh_token
// grant when the application has that grant, and signs in with the password again when there is no
// refresh token or the service refuses it (expired or revoked). ctx is used for every token request
// (an *http.Client in it under oauth2.HTTPClient is used to make them).
//
// The service has no client_credentials grant (it answers unsupported_grant_type), so there is no
// token source for it: a program acting for itself signs in as a service account with this one.
func PasswordTokenSource(ctx context.Context, cfg *oauth2.Config, username, password string) oauth2.TokenSource {
	return oauth2.ReuseTokenSource(nil, &passwordSource{ctx: ctx, cfg: cfg, username: username, password: password})
}

type passwordSource struct {
	ctx                context.Context
	cfg                *oauth2.Config
	username, password string

	mu      sync.Mutex
	refresh oauth2.TokenSource // refreshes the last token got with the password, when it had a refresh token
}

func (s *passwordSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refresh != nil {
		tok, err := s.refresh.Token()
		if err == nil {
			return tok, nil
		}
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
			return nil, err
		}
		s.refresh = nil // the refresh token is spent: sign in again
	}
	tok, err := s.cfg.PasswordCredentialsToken(s.ctx, s.username, s.password)
	if err != nil {
		return nil, fmt.Errorf("access-service: password grant: %w", err)
	}
	if mfa, _ := tok.Extra("mfa_required").(bool); mfa {
		return nil, ErrMFARequired
	}
	if tok.RefreshToken != "" {
		s.refresh = s.cfg.TokenSource(s.ctx, tok)
	}
	return tok, nil
}

// WithTokenSource makes the client send a bearer token from ts with every request (oauth2.NewClient):
//
//	cfg := client.OAuth2Config("http://127.0.0.1:8080", clientID, clientSecret)
//	ts := client.PasswordTokenSource(ctx, cfg, email, password)
//	c, err := client.NewClientWithResponses("http://127.0.0.1:8080", client.WithTokenSource(ctx, ts))
//
// ctx's oauth2.HTTPClient, when set, is the transport underneath.
func WithTokenSource(ctx context.Context, ts oauth2.TokenSource) ClientOption {
	return WithHTTPClient(oauth2.NewClient(ctx, ts))
}
