package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/config"
	"github.com/cocoondata/access-service/internal/password"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/user"
)

// On PostgreSQL without bootstrap variables nothing is made at start: the warning says what to run
// for an administrator and for a client app, until both exist.
func TestBootstrapWarningSaysWhatToRun(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.FromEnv(func(k string) (string, bool) {
		v, ok := map[string]string{"ACCESS_DATABASE_URL": testutil.NewPostgres(t)}[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	a, err := app.Open(ctx, cfg, app.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), PasswordParams: password.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	first, err := a.Bootstrap(ctx)
	if err != nil || first != nil {
		t.Fatalf("bootstrap on PostgreSQL made first-start secrets (%v, %v)", first, err)
	}
	out := logs.String()
	for _, want := range []string{"access-service user create --safeshare-admin --email EMAIL", "access-service client create --client-id ID"} {
		if !strings.Contains(out, want) {
			t.Errorf("the start-up warning does not say %q:\n%s", want, out)
		}
	}
	if _, err := a.Users.Create(ctx, user.NewUser{Email: "root@xy-company.com", Password: testutil.Password, SafeShareAdmin: true}); err != nil {
		t.Fatal(err)
	}
	(&testutil.Service{App: a}).RegisterClient(t, "webapp")
	logs.Reset()
	if _, err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("warned with an administrator and a client app: %s", logs.String())
	}
}
