package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/version"
)

func TestVersion(t *testing.T) {
	// It needs no configuration: a broken one does not stop it.
	t.Setenv("ACCESS_ISSUER", "ftp://nowhere")
	code, out, errOut := runCLI(t, "", "version")
	if code != 0 || out != version.String()+"\n" || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, out, errOut, version.String())
	}
}

func TestHealthcheck(t *testing.T) {
	svc := testutil.Start(t, testutil.WithDatabase(testutil.NewSQLite(t)))
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(svc.URL, "http://"))
	t.Setenv("ACCESS_ISSUER", "http://localhost:"+port)
	// The address the service listens on; an unspecified host (every interface) is asked on 127.0.0.1.
	for _, addr := range []string{"127.0.0.1:" + port, "0.0.0.0:" + port, ":" + port, "[::]:" + port} {
		t.Setenv("ACCESS_HTTP_ADDR", addr)
		if code, out, errOut := runCLI(t, "", "healthcheck"); code != 0 || out != "" || errOut != "" {
			t.Fatalf("%s: exit %d %q %q", addr, code, out, errOut)
		}
	}

	unhealthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer unhealthy.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().String()
	_ = ln.Close()
	for _, tc := range []struct{ addr, want string }{
		{strings.TrimPrefix(unhealthy.URL, "http://"), "/healthz answered 503 Service Unavailable"},
		{closed, "http://" + closed + "/healthz does not answer: "},
	} {
		t.Setenv("ACCESS_HTTP_ADDR", tc.addr)
		code, _, errOut := runCLI(t, "", "healthcheck")
		if code != 1 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
			t.Fatalf("%s: exit %d, stderr %q; want one line with %q", tc.addr, code, errOut, tc.want)
		}
	}
}

// An SMTP server that does not answer is a warning at start, naming it; the service starts anyway.
func TestServeWarnsWhenSMTPDoesNotAnswer(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	smtpAddr := ln.Addr().String()
	_ = ln.Close()
	t.Setenv("ACCESS_SMTP_URL", "smtp://mailer:secret@"+smtpAddr)
	t.Setenv("ACCESS_DATABASE_URL", testutil.NewSQLite(t))
	ln, _ = net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	_ = ln.Close()
	t.Setenv("ACCESS_HTTP_ADDR", addr)
	logs := &testutil.LockedBuffer{}
	codeCh := make(chan int, 1)
	go func() { codeCh <- run(nil, strings.NewReader(""), &bytes.Buffer{}, logs) }()
	waitReady(t, "http://"+addr+"/readyz", make(chan error), &bytes.Buffer{})
	_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	if code := <-codeCh; code != 0 {
		t.Fatalf("exit %d\n%s", code, logs.String())
	}
	var warning string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"level":"WARN"`) && strings.Contains(l, "ACCESS_SMTP_URL") {
			warning = l
		}
	}
	if !strings.Contains(warning, "the SMTP server "+smtpAddr+" does not answer") || !strings.Contains(warning, "emails") {
		t.Fatalf("no warning naming the SMTP server:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "secret@") {
		t.Fatal("the SMTP URL's password was logged")
	}
}

// The embedded store in a folder the service cannot write to: the start stops with a line naming the
// folder, not the SQLite driver's words.
func TestUnwritableDataFolder(t *testing.T) {
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		// chmod does not stop root; nobody can create a file in /proc.
		dir = "/proc/self"
	} else {
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o700)
	}
	t.Setenv("ACCESS_DATABASE_URL", "sqlite:"+filepath.Join(dir, "access-service.db"))
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	t.Setenv("ACCESS_HTTP_ADDR", ln.Addr().String())
	_ = ln.Close()
	for _, cmd := range []string{"migrate", "serve"} {
		code, _, errOut := runCLI(t, "", cmd)
		if want := "access-service: ACCESS_DATABASE_URL: folder " + dir + " is not writable\n"; code != 1 || errOut != want {
			t.Fatalf("%s: exit %d, stderr %q; want %q", cmd, code, errOut, want)
		}
	}
	// A missing folder is made.
	missing := filepath.Join(t.TempDir(), "data", "store")
	t.Setenv("ACCESS_DATABASE_URL", "sqlite:"+filepath.Join(missing, "access-service.db"))
	if code, _, errOut := runCLI(t, "", "migrate"); code != 0 {
		t.Fatalf("migrate into a missing folder: %s", errOut)
	}
	if _, err := os.Stat(filepath.Join(missing, "access-service.db")); err != nil {
		t.Fatal(err)
	}
}
