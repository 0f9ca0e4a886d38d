package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/cocoondata/access-service/internal/testutil"
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUserCommands(t *testing.T) {
	t.Setenv("ACCESS_DATABASE_URL", testutil.NewEmptyPostgres(t))
	const pw = "a long enough password\n"
	cases := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		output string // expected in stdout (code 0) or stderr
	}{
		{"migrate", "", []string{"migrate"}, 0, "schema is up to date"},
		{"migrate twice", "", []string{"migrate"}, 0, "schema is up to date"},
		{"create", pw, []string{"user", "create", "--email", "Admin@XY-Company.com", "--first-name", "Ada", "--safeshare-admin"}, 0, "created user admin@xy-company.com"},
		{"create duplicate (any case)", pw, []string{"user", "create", "--email", "admin@xy-company.com"}, 1, "already exists"},
		{"create with short password", "short\n", []string{"user", "create", "--email", "bob@xy-company.com"}, 1, "12 to 1024 characters"},
		{"create with no password", "", []string{"user", "create", "--email", "bob@xy-company.com"}, 1, "standard input"},
		{"create with bad email", pw, []string{"user", "create", "--email", "not-an-email"}, 1, "not a valid email"},
		{"create without email", pw, []string{"user", "create"}, 1, "--email is required"},
		{"create with unknown flag", pw, []string{"user", "create", "--email", "c@xy-company.com", "--admin"}, 1, "bad arguments"},
		{"set-password", "another long password\n", []string{"user", "set-password", "--email", "admin@xy-company.com"}, 0, "password set for admin@xy-company.com"},
		{"set-password, password without newline", "yet another long password", []string{"user", "set-password", "--email", "admin@xy-company.com"}, 0, "password set"},
		{"set-password for unknown account", pw, []string{"user", "set-password", "--email", "nobody@xy-company.com"}, 1, "no account has the email"},
		{"set-password too long", strings.Repeat("x", 1025) + "\n", []string{"user", "set-password", "--email", "admin@xy-company.com"}, 1, "12 to 1024 characters"},
		{"disable", "", []string{"user", "disable", "--email", "Admin@xy-company.com"}, 0, "disabled admin@xy-company.com"},
		{"disable unknown account", "", []string{"user", "disable", "--email", "nobody@xy-company.com"}, 1, "no account has the email"},
		{"disable without email", "", []string{"user", "disable"}, 1, "--email is required"},
		{"enable", "", []string{"user", "enable", "--email", "admin@xy-company.com"}, 0, "enabled admin@xy-company.com"},
		{"unknown user subcommand", "", []string{"user", "delete"}, 1, "unknown user subcommand"},
		{"unknown command", "", []string{"frobnicate"}, 1, "unknown command"},
		{"serve with arguments", "", []string{"serve", "now"}, 1, "serve takes no arguments"},
		{"help", "", []string{"help"}, 0, "usage:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.stdin, tc.args...)
			where := out
			if tc.code != 0 {
				where = errOut
			}
			if code != tc.code || !strings.Contains(where, tc.output) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
		})
	}
}

func TestBadConfigurationNamesTheVariable(t *testing.T) {
	cases := []struct{ name, variable, value, want string }{
		{"malformed database URL", "ACCESS_DATABASE_URL", "mysql://x", "ACCESS_DATABASE_URL"},
		{"unreachable database", "ACCESS_DATABASE_URL", "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", "ACCESS_DATABASE_URL"},
		{"bad listen address", "ACCESS_HTTP_ADDR", "nonsense", "ACCESS_HTTP_ADDR"},
		{"bad issuer", "ACCESS_ISSUER", "ftp://x", "ACCESS_ISSUER"},
		{"half a bootstrap admin", "ACCESS_BOOTSTRAP_ADMIN_EMAIL", "a@b.example", "ACCESS_BOOTSTRAP_ADMIN_PASSWORD"},
		{"bad SMTP URL", "ACCESS_SMTP_URL", "http://mail", "ACCESS_SMTP_URL"},
		{"relative Content Service URL", "ACCESS_CONTENT_SERVICE_URL", "content.example.com", "ACCESS_CONTENT_SERVICE_URL"},
		{"web app URL of another scheme", "ACCESS_WEBAPP_URL", "ftp://safeshare.example.com", "ACCESS_WEBAPP_URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.variable, tc.value)
			code, _, errOut := runCLI(t, "", "migrate")
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if code == 0 || len(lines) != 1 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q: want one line naming %s", code, errOut, tc.want)
			}
		})
	}
}

// TestServeDrainsOnSIGTERM runs the real binary: bootstrap variables, a password grant, an authenticated
// call, and a SIGTERM that arrives while a request is still being sent — that request is answered and
// the process exits 0.
func TestServeDrainsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "access-service")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"ACCESS_DATABASE_URL="+testutil.NewPostgres(t), "ACCESS_HTTP_ADDR="+addr,
		"ACCESS_BOOTSTRAP_ADMIN_EMAIL=root@xy-company.com", "ACCESS_BOOTSTRAP_ADMIN_PASSWORD=bootstrap password 1",
		"ACCESS_BOOTSTRAP_CLIENT_ID=cli", "ACCESS_BOOTSTRAP_CLIENT_SECRET=cli-secret-long-enough-for-the-32-rule")
	var logs bytes.Buffer
	cmd.Stderr, cmd.Stdout = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	base := "http://" + addr
	waitReady(t, base+"/readyz", done, &logs)

	form := url.Values{"grant_type": {"password"}, "username": {"root@xy-company.com"}, "password": {"bootstrap password 1"}}.Encode()
	req, _ := http.NewRequest("POST", base+"/api/oauth/token", strings.NewReader(form))
	req.SetBasicAuth("cli", "cli-secret-long-enough-for-the-32-rule")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || tok.AccessToken == "" {
		t.Fatalf("password grant: %d\n%s", resp.StatusCode, logs.String())
	}
	me, _ := http.NewRequest("GET", base+"/api/v1/users/me", nil)
	me.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(me)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"safeShareAdmin":true`) {
		t.Fatalf("users/me: %d %s", resp.StatusCode, body)
	}

	// A request in flight: headers and half the body sent, then SIGTERM, then the rest.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := len(form) / 2
	fmt.Fprintf(conn, "POST /api/oauth/token HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
		addr, base64.StdEncoding.EncodeToString([]byte("cli:cli-secret-long-enough-for-the-32-rule")), len(form), form[:half])
	time.Sleep(200 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := conn.Write([]byte(form[half:])); err != nil {
		t.Fatalf("connection closed before the request was answered: %v", err)
	}
	r, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("request in flight was not answered: %v\n%s", err, logs.String())
	}
	if r.StatusCode != 200 {
		t.Fatalf("request in flight: %d", r.StatusCode)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not exit after SIGTERM")
	}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Errorf("log line is not structured: %q", line)
			continue
		}
		if entry["msg"] == "request" && entry["request_id"] == nil {
			t.Errorf("request log line without request_id: %q", line)
		}
	}
}

func waitReady(t *testing.T, url string, done chan error, logs *bytes.Buffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		select {
		case err := <-done:
			t.Fatalf("exited early: %v\n%s", err, logs.String())
		case <-ctx.Done():
			t.Fatalf("not ready in time\n%s", logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
	}
}

// TestFirstStartOnEmbeddedStore: with no bootstrap variables, the first start on the embedded store makes
// an administrator and a client and prints how to use them, once. A start that cannot listen makes
// nothing, so the secrets are never made without being shown.
func TestFirstStartOnEmbeddedStore(t *testing.T) {
	dbURL := testutil.NewSQLite(t)
	t.Setenv("ACCESS_DATABASE_URL", dbURL)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	t.Setenv("ACCESS_HTTP_ADDR", addr)
	// The address is taken: one line naming ACCESS_HTTP_ADDR, and no store made.
	code, out, errOut := runCLI(t, "")
	_ = ln.Close()
	if code != 1 || out != "" || !strings.HasPrefix(errOut, "access-service: ACCESS_HTTP_ADDR: cannot listen on "+addr) || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("start with the address taken: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(strings.TrimPrefix(dbURL, "sqlite:")); !os.IsNotExist(err) {
		t.Fatalf("a start that could not listen made the store (%v)", err)
	}
	// The first-start text is printed before the server serves, so once it answers the text is complete.
	start := func() (string, chan int) {
		out := &testutil.LockedBuffer{}
		codeCh := make(chan int, 1)
		go func() { codeCh <- run(nil, strings.NewReader(""), out, io.Discard) }()
		waitReady(t, "http://"+addr+"/readyz", make(chan error), &bytes.Buffer{})
		return out.String(), codeCh
	}
	stop := func(codeCh chan int) {
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		if code := <-codeCh; code != 0 {
			t.Fatalf("exit %d after SIGTERM", code)
		}
	}
	out, codeCh := start()
	checkPastedCommands(t, out)
	if !strings.Contains(out, "client secret:") || !strings.Contains(out, "administrator:") {
		t.Fatalf("first start printed: %q", out)
	}
	var exportLine string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "export CLIENT=") {
			exportLine = l
		}
	}
	client := strings.Split(strings.Split(exportLine, "CLIENT='")[1], "'")[0]
	adminPW := strings.Split(strings.Split(exportLine, "ADMIN_PASSWORD='")[1], "'")[0]
	id, secret, _ := strings.Cut(client, ":")
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/oauth/token", strings.NewReader(url.Values{
		"grant_type": {"password"}, "username": {"admin@access-service.local"}, "password": {adminPW}}.Encode()))
	req.SetBasicAuth(id, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ AccessToken, Scope string }
	err = json.NewDecoder(resp.Body).Decode(&struct {
		AccessToken *string `json:"access_token"`
		Scope       *string `json:"scope"`
	}{&tok.AccessToken, &tok.Scope})
	resp.Body.Close()
	if resp.StatusCode != 200 || err != nil {
		t.Fatalf("the printed credentials do not work: %d %v", resp.StatusCode, err)
	}
	// The first-party app has every scope, so its administrator can administer.
	if tok.Scope != "read write admin" {
		t.Fatalf("the first-party app's token carries %q", tok.Scope)
	}
	req, _ = http.NewRequest("GET", "http://"+addr+"/api/v1/clientapps", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the administrator's first-party token lists no client apps: %d", resp.StatusCode)
	}
	stop(codeCh)

	out, codeCh = start()
	if strings.Contains(out, "secret") {
		t.Fatalf("second start printed secrets again: %q", out)
	}
	stop(codeCh)
}

// syncCounter is a log destination that counts the Sync calls it gets.
type syncCounter struct {
	bytes.Buffer
	syncs int
}

func (s *syncCounter) Sync() error { s.syncs++; return nil }

// The server's log buffer flushes its lines to standard error without forcing them to disk: an fsync
// there holds the lock every request takes to log.
func TestLogBufferNeverSyncsStandardError(t *testing.T) {
	dest := &syncCounter{}
	ws := zapcore.AddSync(writeOnly{dest})
	if _, err := ws.Write([]byte("line\n")); err != nil {
		t.Fatal(err)
	}
	if err := ws.Sync(); err != nil {
		t.Fatal(err)
	}
	if dest.syncs != 0 || dest.String() != "line\n" {
		t.Fatalf("got %d syncs and %q, want 0 and the line", dest.syncs, dest.String())
	}
	// Without the wrapper, zapcore would call the destination's Sync: the test above means something.
	if err := zapcore.AddSync(dest).Sync(); err != nil || dest.syncs != 1 {
		t.Fatalf("the counter does not count: %d syncs (%v)", dest.syncs, err)
	}
}

// checkPastedCommands runs the first-start text's ready-to-paste commands in a shell: with the printed
// password they reach the API; with a wrong one they say the sign-in failed and show the token
// endpoint's answer, instead of passing it on as a token.
func checkPastedCommands(t *testing.T, out string) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Log("no curl: the pasted commands are not run")
		return
	}
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "export ") || strings.HasPrefix(l, "RESP=") || strings.HasPrefix(l, "TOKEN=") || strings.HasPrefix(l, "curl ") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 4 {
		t.Fatalf("the first-start text has %d command lines, want 4:\n%s", len(lines), out)
	}
	script := strings.Join(lines, "\n")
	res, err := exec.Command("sh", "-c", script).CombinedOutput()
	if err != nil || !strings.Contains(string(res), `"email":"admin@access-service.local"`) || strings.Contains(string(res), "sign-in failed") {
		t.Fatalf("the pasted commands: %v\n%s", err, res)
	}
	wrong := strings.Replace(script, "ADMIN_PASSWORD='", "ADMIN_PASSWORD='wrong", 1)
	res, _ = exec.Command("sh", "-c", wrong).CombinedOutput()
	if !strings.Contains(string(res), "sign-in failed: {") || !strings.Contains(string(res), "invalid_grant") {
		t.Fatalf("the pasted commands with a wrong password:\n%s", res)
	}
}
