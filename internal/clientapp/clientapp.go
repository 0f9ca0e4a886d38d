// Package clientapp holds the registered client applications and authenticates them.
package clientapp

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/password"
)

// Grant types a client application may be authorized for.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantImplicit          = "implicit"
	GrantPassword          = "password"
	GrantRefreshToken      = "refresh_token"
)

// App is a registered client application.
type App struct {
	ID                   int64
	ClientID             string
	SecretHash           string
	AppName              string
	Description          string
	AccessTokenValidity  time.Duration
	RefreshTokenValidity time.Duration
	GrantTypes           []string
	RedirectURIs         []string
	Scope                []string
	AutoApprove          bool
	Enabled              bool
	CreatedAt            time.Time
}

// Allows reports whether the app is authorized for the grant type.
func (a App) Allows(grant string) bool { return slices.Contains(a.GrantTypes, grant) }

var (
	ErrNotFound      = errors.New("client application not found")
	ErrClientIDTaken = errors.New("a client application with this clientId already exists")
	// ErrInvalidClient covers an unknown client, a wrong secret and a disabled app alike.
	ErrInvalidClient = errors.New("client authentication failed")
)

// Store keeps client applications.
type Store interface {
	CreateClientApp(ctx context.Context, a App) error
	ClientAppByClientID(ctx context.Context, clientID string) (App, error)
}

// Service is the client applications' rules.
type Service struct {
	store  Store
	ids    *ids.Generator
	hasher *password.Hasher
	now    func() time.Time

	// verified remembers, per client, a digest of the last secret that matched the stored hash, so a
	// client's every token request does not pay for a full Argon2id check.
	mu       sync.Mutex
	verified map[string]verifiedSecret
}

type verifiedSecret struct {
	hash   string
	digest [32]byte
}

// maxVerifiedClients bounds the memory the verified-secret memo may take.
const maxVerifiedClients = 10000

// NewService returns the client applications' rules over the store.
func NewService(s Store, g *ids.Generator, h *password.Hasher) *Service {
	return &Service{store: s, ids: g, hasher: h, now: func() time.Time { return time.Now().UTC() },
		verified: make(map[string]verifiedSecret)}
}

// NewApp is what registering an app takes.
type NewApp struct {
	ClientID             string
	Secret               string
	AppName              string
	Description          string
	AccessTokenValidity  time.Duration
	RefreshTokenValidity time.Duration
	GrantTypes           []string
	RedirectURIs         []string
	Scope                []string
	AutoApprove          bool
}

// Register stores a new app with its secret hashed.
func (s *Service) Register(ctx context.Context, n NewApp) (App, error) {
	a := App{
		ID: s.ids.New(), ClientID: n.ClientID, AppName: n.AppName, Description: n.Description,
		AccessTokenValidity: n.AccessTokenValidity, RefreshTokenValidity: n.RefreshTokenValidity,
		GrantTypes: n.GrantTypes, RedirectURIs: n.RedirectURIs, Scope: n.Scope,
		AutoApprove: n.AutoApprove, Enabled: true, CreatedAt: s.now(),
	}
	if n.Secret != "" {
		h, err := s.hasher.Hash(ctx, n.Secret)
		if err != nil {
			return App{}, err
		}
		a.SecretHash = h
	}
	if err := s.store.CreateClientApp(ctx, a); err != nil {
		return App{}, err
	}
	return a, nil
}

// ByClientID returns the app with this clientId.
func (s *Service) ByClientID(ctx context.Context, clientID string) (App, error) {
	return s.store.ClientAppByClientID(ctx, clientID)
}

// Authenticate checks a client's credentials; every failure is ErrInvalidClient.
func (s *Service) Authenticate(ctx context.Context, clientID, secret string) (App, error) {
	a, err := s.store.ClientAppByClientID(ctx, clientID)
	if errors.Is(err, ErrNotFound) {
		_, _ = s.hasher.Verify(ctx, secret, "")
		return App{}, ErrInvalidClient
	}
	if err != nil {
		return App{}, err
	}
	if a.SecretHash == "" || !a.Enabled {
		return App{}, ErrInvalidClient
	}
	digest := sha256.Sum256([]byte(secret))
	s.mu.Lock()
	memo, ok := s.verified[clientID]
	s.mu.Unlock()
	if ok && memo.hash == a.SecretHash && subtle.ConstantTimeCompare(memo.digest[:], digest[:]) == 1 {
		return a, nil
	}
	match, err := s.hasher.Verify(ctx, secret, a.SecretHash)
	if err != nil {
		return App{}, err
	}
	if !match {
		return App{}, ErrInvalidClient
	}
	s.mu.Lock()
	if len(s.verified) >= maxVerifiedClients {
		clear(s.verified)
	}
	s.verified[clientID] = verifiedSecret{hash: a.SecretHash, digest: digest}
	s.mu.Unlock()
	return a, nil
}
