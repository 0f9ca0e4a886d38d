// Command access-service runs the Access Service and its administration subcommands.
//
//	access-service [serve]        run the HTTP server (the default)
//	access-service migrate        apply the schema and exit
//	access-service user create --email EMAIL [--first-name F] [--last-name L] [--safeshare-admin]
//	access-service user set-password --email EMAIL   (ends every session and token of the account)
//	access-service user disable --email EMAIL        (refuses sign-in; ends every session and token)
//	access-service user enable --email EMAIL
//	access-service client create --client-id ID [--grant G]... [--scope S]... [--redirect-uri U]... [--name N] [--generate-secret | --public]
//	access-service client list
//	access-service client disable --client-id ID    (ends every token the app had)
//	access-service client enable --client-id ID
//	access-service keys list|rotate [--now]|retire --kid KID   (the signing keys)
//	access-service version
//	access-service healthcheck                      (GET /healthz on ACCESS_HTTP_ADDR; exit 0 on 200)
//	access-service backup --to FILE                  (a checked copy of the embedded store, while it runs)
//
// Passwords and client secrets are read from standard input, one line. Configuration comes from the environment (see
// README.md).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/config"
	"github.com/cocoondata/access-service/internal/user"
	"github.com/cocoondata/access-service/internal/version"
)

const usage = `usage:
  access-service [serve]
  access-service migrate
  access-service user create --email EMAIL [--first-name F] [--last-name L] [--safeshare-admin]
  access-service user set-password --email EMAIL
  access-service user disable --email EMAIL
  access-service user enable --email EMAIL
  access-service client create --client-id ID [--grant G]... [--scope S]... [--redirect-uri U]...
      [--post-logout-redirect-uri U]... [--name N] [--generate-secret | --public] [--access-token-validity 1h] [--refresh-token-validity 720h]
      (defaults: --grant password,refresh_token --scope read; flags repeat or take comma lists)
  access-service client list
  access-service client disable --client-id ID
  access-service client enable --client-id ID
  access-service keys list | rotate [--now] | retire --kid KID
  access-service backup --to FILE
  access-service version
  access-service healthcheck
Passwords are read from standard input (one line); so is a client secret, unless --generate-secret
(a random one, printed once) or --public (none).`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	logOut := zapcore.AddSync(stderr)
	if cmd == "serve" {
		// The server writes a line per request. Buffered, those lines cost a write call per 64 KiB or
		// per 100 ms instead of one each; everything is flushed before the process exits (at worst, a
		// crash loses the last 100 ms of lines). The buffer's flush holds the lock every request takes
		// to log, and would fsync standard error when it is a file (about 1 ms, ten times a second,
		// with every request waiting): log lines are handed to the operating system, never forced to
		// disk, so the buffer is given a writer without Sync.
		buffered := &zapcore.BufferedWriteSyncer{WS: zapcore.AddSync(writeOnly{stderr}), Size: 64 << 10, FlushInterval: 100 * time.Millisecond}
		defer buffered.Stop()
		logOut = buffered
	}
	log := slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: slog.LevelInfo}))
	fail := func(format string, a ...any) int {
		_ = logOut.Sync()
		fmt.Fprintf(stderr, "access-service: "+format+"\n", a...)
		return 1
	}
	if cmd == "version" {
		fmt.Fprintln(stdout, version.String())
		return 0
	}
	cfg, err := config.FromEnv(os.LookupEnv)
	if err != nil {
		return fail("bad configuration: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	ctx := context.Background()
	switch cmd {
	case "serve":
		if len(args) > 0 {
			return fail("serve takes no arguments\n%s", usage)
		}
		return serve(ctx, cfg, log, stdout, fail)
	case "migrate":
		a, err := app.OpenStore(ctx, cfg, app.Options{Logger: log})
		if err != nil {
			return fail("%s", err)
		}
		defer a.Close()
		fmt.Fprintln(stdout, "schema is up to date")
		return 0
	case "user":
		return userCommand(ctx, cfg, log, args, stdin, stdout, fail)
	case "client":
		return clientCommand(ctx, cfg, log, args, stdin, stdout, fail)
	case "healthcheck":
		return healthcheck(cfg, fail)
	case "keys":
		return keysCommand(ctx, cfg, log, args, stdout, fail)
	case "backup":
		return backupCommand(ctx, cfg, args, stdout, fail)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return 0
	default:
		return fail("unknown command %q\n%s", cmd, usage)
	}
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer, fail func(string, ...any) int) int {
	if _, set := os.LookupEnv("GOGC"); !set {
		// The server's live heap is small (about 10 MiB) and most of what a request allocates dies with
		// it, so the default (a collection each time the heap doubles) collects very often; at 300 the
		// heap may grow to four times the live data between collections, and a request costs about a
		// sixth less CPU on the no-read path (bench/README.md). GOGC and GOMEMLIMIT still rule when set.
		debug.SetGCPercent(300)
	}
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		// Password hashes run at most one per core (password.Hasher), each keeping its goroutines busy
		// for a whole hash. With as many Ps as cores, a flood of sign-ins then leaves every other step of
		// every request waiting for the Go scheduler to preempt a hash (every 10 ms): accepted sign-ins
		// and the rest of the API slow down together. One P more than the cores lets the operating
		// system run that work beside the hashes (bench/README.md has the figures).
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
	}
	// Listen before anything is made: a first start's secrets are shown once, so they are made only
	// when the service can serve. Connections wait in the listener's queue until Serve.
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fail("ACCESS_HTTP_ADDR: cannot listen on %s: %s", cfg.HTTPAddr, err)
	}
	defer ln.Close()
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fail("ACCESS_METRICS_ADDR: cannot listen on %s: %s", cfg.MetricsAddr, err)
		}
		defer metricsLn.Close()
	}
	a, err := app.Open(ctx, cfg, app.Options{Logger: log})
	if err != nil {
		return fail("%s", err)
	}
	defer a.Close()
	first, err := a.Bootstrap(ctx)
	if err != nil {
		return fail("%s", err)
	}
	app.WarnIfSMTPUnreachable(ctx, cfg, log)
	if metricsLn != nil {
		stopMetrics, err := serveMetrics(a, metricsLn, log)
		if err != nil {
			return fail("%s", err)
		}
		defer stopMetrics()
	}
	if first != nil {
		printFirstStart(stdout, cfg, first)
	}
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	stop, cancel := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "issuer", cfg.Issuer, "embedded_store", a.Store.Embedded())
	select {
	case err := <-served:
		return fail("server stopped: %s", err)
	case <-stop.Done():
	}
	log.Info("shutting down: draining requests in flight")
	drain, cancelDrain := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelDrain()
	if err := srv.Shutdown(drain); err != nil {
		return fail("shutdown did not finish: %s", err)
	}
	log.Info("stopped")
	return 0
}

// writeOnly hides its writer's Sync method (zapcore.AddSync then gives a Sync that does nothing).
type writeOnly struct{ io.Writer }

func printFirstStart(w io.Writer, cfg config.Config, f *app.FirstStart) {
	fmt.Fprintf(w, `
First start on the embedded store: created a SafeShare administrator and a first-party client app.
These secrets are shown this once; keep them somewhere safe.

  administrator:  %s
  password:       %s
`, f.AdminEmail, f.AdminPassword)
	if f.ClientID != "" {
		fmt.Fprintf(w, `  client id:      %s
  client secret:  %s

Get an access token and call the API:

  export CLIENT='%s:%s' ADMIN_PASSWORD='%s'
  RESP=$(curl -s -u "$CLIENT" -d grant_type=password -d username=%s --data-urlencode "password=$ADMIN_PASSWORD" %s/api/oauth/token)
  TOKEN=$(printf '%%s' "$RESP" | sed -nE 's/.*"access_token":"([^"]+)".*/\1/p'); [ -n "$TOKEN" ] || echo "sign-in failed: $RESP"
  curl -s -H "Authorization: Bearer $TOKEN" %s/api/v1/users/me
`, f.ClientID, f.ClientSecret, f.ClientID, f.ClientSecret, f.AdminPassword, f.AdminEmail, cfg.Issuer, cfg.Issuer)
	}
	fmt.Fprintln(w)
}

func userCommand(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdin io.Reader, stdout io.Writer, fail func(string, ...any) int) int {
	if len(args) == 0 {
		return fail("user needs a subcommand: create, set-password, disable or enable\n%s", usage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	email := fs.String("email", "", "the account's email address")
	var firstName, lastName *string
	var admin *bool
	switch sub {
	case "create":
		firstName = fs.String("first-name", "", "first name")
		lastName = fs.String("last-name", "", "last name")
		admin = fs.Bool("safeshare-admin", false, "make the account a SafeShare administrator")
	case "set-password", "disable", "enable":
	default:
		return fail("unknown user subcommand %q\n%s", sub, usage)
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return fail("user %s: bad arguments\n%s", sub, usage)
	}
	if *email == "" {
		return fail("user %s: --email is required", sub)
	}
	var pw string
	if sub == "create" || sub == "set-password" {
		var err error
		if pw, err = readPassword(stdin); err != nil {
			return fail("user %s: %s", sub, err)
		}
	}
	a, err := app.OpenStore(ctx, cfg, app.Options{Logger: log})
	if err != nil {
		return fail("%s", err)
	}
	defer a.Close()
	if sub != "create" {
		var done string
		switch sub {
		case "set-password":
			err, done = a.Users.SetPassword(ctx, *email, pw), "password set for %s; every session and token it had is ended\n"
		case "disable":
			_, err = a.Users.SetDisabled(ctx, *email, true)
			done = "disabled %s: it cannot sign in, and every session and token it had is ended\n"
		case "enable":
			_, err = a.Users.SetDisabled(ctx, *email, false)
			done = "enabled %s: it can sign in again\n"
		}
		if errors.Is(err, user.ErrNotFound) {
			return fail("user %s: no account has the email %s", sub, *email)
		}
		if err != nil {
			return fail("user %s: %s", sub, err)
		}
		fmt.Fprintf(stdout, done, strings.ToLower(strings.TrimSpace(*email)))
		return 0
	}
	nu := user.NewUser{Email: *email, Password: pw, SafeShareAdmin: *admin}
	if *firstName != "" {
		nu.FirstName = firstName
	}
	if *lastName != "" {
		nu.LastName = lastName
	}
	u, err := a.Users.Create(ctx, nu)
	if err != nil {
		return fail("user create: %s", err)
	}
	fmt.Fprintf(stdout, "created user %s (id %d)\n", u.Email, u.ID)
	return 0
}

// readPassword reads one line from standard input.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("expected the password on standard input (one line)")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// healthcheckTimeout bounds `access-service healthcheck`'s request.
const healthcheckTimeout = 3 * time.Second

// healthcheck asks the service on ACCESS_HTTP_ADDR (an unspecified host, such as 0.0.0.0, is asked on
// 127.0.0.1) for GET /healthz: exit 0 on 200, else 1 with one line. The image's HEALTHCHECK runs it
// (distroless has no curl).
func healthcheck(cfg config.Config, fail func(string, ...any) int) int {
	host, port, _ := net.SplitHostPort(cfg.HTTPAddr)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	u := "http://" + net.JoinHostPort(host, port) + "/healthz"
	c := &http.Client{Timeout: healthcheckTimeout}
	resp, err := c.Get(u)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail("healthcheck: %s does not answer: %s", u, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail("healthcheck: %s answered %s", u, resp.Status)
	}
	return 0
}
