package testutil

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	client "github.com/cocoondata/access-service/clients/go"
	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/config"
	"github.com/cocoondata/access-service/internal/password"
	"github.com/cocoondata/access-service/internal/user"
)

// Service is the real service running for one test.
type Service struct {
	*app.App
	URL    string
	Client *Client
}

// Option changes how a test service is built.
type Option func(*settings)

type settings struct {
	databaseURL string
	opts        app.Options
	changes     []func(*app.Options)
	env         map[string]string
}

// WithDatabase runs the service on this database instead of a fresh PostgreSQL one.
func WithDatabase(url string) Option { return func(s *settings) { s.databaseURL = url } }

// WithOptions sets the app options (rate limits and the like).
func WithOptions(o app.Options) Option { return func(s *settings) { s.opts = o } }

// WithOptionsChanged changes the app options set so far (by WithOptions or by default), wherever it
// comes among the options.
func WithOptionsChanged(change func(*app.Options)) Option {
	return func(s *settings) { s.changes = append(s.changes, change) }
}

// WithEnv sets configuration variables, as the binary would read them.
func WithEnv(name, value string) Option { return func(s *settings) { s.env[name] = value } }

// Start runs the service on a loopback listener until the test ends.
func Start(t testing.TB, options ...Option) *Service {
	t.Helper()
	st := settings{env: map[string]string{}}
	for _, o := range options {
		o(&st)
	}
	for _, change := range st.changes {
		change(&st.opts)
	}
	if st.databaseURL == "" {
		st.databaseURL = NewPostgres(t)
	}
	if st.opts.Logger == nil {
		st.opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if st.opts.PasswordParams == nil {
		st.opts.PasswordParams = password.Cheap
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ACCESS_DATABASE_URL": st.databaseURL, "ACCESS_HTTP_ADDR": ln.Addr().String()}
	for k, v := range st.env {
		env[k] = v
	}
	a, err := app.Open(context.Background(), configOf(t, env), st.opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(a.Handler)
	_ = srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		_ = a.Close()
	})
	return &Service{App: a, URL: srv.URL, Client: NewClient(t, srv.URL)}
}

// configOf is the configuration the binary would read from an environment holding env.
func configOf(t testing.TB, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// API returns the generated Go client (clients/go) for the service, sending token as a bearer token
// when it is not empty. Every response it receives is checked against openapi.yaml (ValidatingTransport).
func (s *Service) API(t testing.TB, token string) *client.ClientWithResponses {
	t.Helper()
	opts := []client.ClientOption{client.WithHTTPClient(&http.Client{
		Transport:     ValidatingTransport(t, nil),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	})}
	if token != "" {
		opts = append(opts, client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	}
	c, err := client.NewClientWithResponses(s.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Password every test account gets unless a test says otherwise.
const Password = "correct horse battery staple"

// CreateUser makes an account directly in the store.
func (s *Service) CreateUser(t testing.TB, email string, safeShareAdmin bool) user.User {
	t.Helper()
	u, err := s.Users.Create(context.Background(), user.NewUser{Email: email, Password: Password, SafeShareAdmin: safeShareAdmin})
	if err != nil {
		t.Fatalf("creating %s: %v", email, err)
	}
	return u
}

// ClientSecret every test client app gets.
const ClientSecret = "test-client-secret-long-enough-for-32"

// RegisterClient registers a client app with the given grants (password and refresh_token if none)
// and every scope (read, write, admin), as a first-party app has; RegisterClientScoped chooses them.
func (s *Service) RegisterClient(t testing.TB, clientID string, grants ...string) clientapp.App {
	t.Helper()
	return s.RegisterClientScoped(t, clientID, []string{"read", "write", "admin"}, grants...)
}

// RegisterClientScoped registers a client app with the given scopes and grants (password and
// refresh_token if none).
func (s *Service) RegisterClientScoped(t testing.TB, clientID string, scope []string, grants ...string) clientapp.App {
	t.Helper()
	if len(grants) == 0 {
		grants = []string{clientapp.GrantPassword, clientapp.GrantRefreshToken}
	}
	a, err := s.Apps.Register(context.Background(), clientapp.NewApp{
		ClientID: clientID, Secret: ClientSecret, AppName: clientID, AccessTokenValidity: 3600_000_000_000,
		RefreshTokenValidity: 86400_000_000_000, GrantTypes: grants, Scope: scope,
	})
	if err != nil {
		t.Fatalf("registering %s: %v", clientID, err)
	}
	return a
}

// Token signs in through the token endpoint with the password grant and returns the access token.
func (s *Service) Token(t testing.TB, clientID, email string) string {
	t.Helper()
	resp := s.Client.PostForm(t, "/api/oauth/token", clientID+":"+ClientSecret, map[string]string{
		"grant_type": "password", "username": email, "password": Password,
	})
	if resp.Status != http.StatusOK {
		t.Fatalf("password grant for %s: %d %s", email, resp.Status, resp.Body)
	}
	return resp.JSON(t)["access_token"].(string)
}
