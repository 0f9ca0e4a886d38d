package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// clientGoLine is the go line of clients/go/go.mod: a program importing the client needs no newer Go.
const clientGoLine = "go 1.24"

// scratchMain is a program another project would write: it signs in with the client's oauth2 token
// source and asks who it is.
const scratchMain = `package main

import (
	"context"
	"fmt"
	"os"

	client "github.com/cocoondata/access-service/clients/go"
)

func main() {
	ctx := context.Background()
	base := os.Getenv("ACCESS_BASE_URL")
	cfg := client.OAuth2Config(base, os.Getenv("ACCESS_CLIENT_ID"), os.Getenv("ACCESS_CLIENT_SECRET"))
	ts := client.PasswordTokenSource(ctx, cfg, os.Getenv("ACCESS_EMAIL"), os.Getenv("ACCESS_PASSWORD"))
	c, err := client.NewClientWithResponses(base, client.WithTokenSource(ctx, ts))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	me, err := c.GetMeWithResponse(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if me.JSON200 == nil {
		fmt.Fprintf(os.Stderr, "GET /api/v1/users/me: %d %s\n", me.StatusCode(), me.Body)
		os.Exit(1)
	}
	fmt.Printf("me: %s\n", me.JSON200.Email)
}
`

// TestGoClientModuleFromAnotherModule imports clients/go from a scratch module of its own (through a
// replace, as the README says), signs in against a live service with PasswordTokenSource and reads
// GET /api/v1/users/me; `go mod tidy` leaves the scratch module's go line at the client's low one, so
// importing the client does not raise the importer's Go version. A wrong password fails the program.
func TestGoClientModuleFromAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module with the go command")
	}
	t.Parallel()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	clientDir, err := filepath.Abs(filepath.Join("..", "..", "clients", "go"))
	if err != nil {
		t.Fatal(err)
	}
	own, err := os.ReadFile(filepath.Join(clientDir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(clientGoLine) + `$`).Match(own) {
		t.Fatalf("clients/go/go.mod does not say %q:\n%s", clientGoLine, own)
	}

	svc := testutil.Start(t)
	const email = "module-user@example.com"
	svc.CreateUser(t, email, false)
	svc.RegisterClient(t, "go-module-app")

	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/scratch\n\n"+clientGoLine+"\n\n"+
		"require github.com/cocoondata/access-service/clients/go v0.0.0\n\n"+
		"replace github.com/cocoondata/access-service/clients/go => "+clientDir+"\n")
	write("main.go", scratchMain)

	run := func(password string, args ...string) (string, error) {
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(),
			"GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOWORK=off",
			"ACCESS_BASE_URL="+svc.URL, "ACCESS_CLIENT_ID=go-module-app", "ACCESS_CLIENT_SECRET="+testutil.ClientSecret,
			"ACCESS_EMAIL="+email, "ACCESS_PASSWORD="+password)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("", "mod", "tidy"); err != nil {
		t.Fatalf("go mod tidy in the scratch module: %v\n%s", err, out)
	}
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(clientGoLine)+`$`).Match(mod) || strings.Contains(string(mod), "toolchain") {
		t.Fatalf("after go mod tidy the importer's go.mod is not at %q:\n%s", clientGoLine, mod)
	}

	out, err := run(testutil.Password, "run", ".")
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "me: "+email+"\n") {
		t.Fatalf("the program's output does not name the user:\n%s", out)
	}

	out, err = run("not the password", "run", ".")
	if err == nil || !strings.Contains(out, "invalid_grant") {
		t.Fatalf("a wrong password: err %v, output:\n%s", err, out)
	}
}
