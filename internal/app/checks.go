package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/cocoondata/access-service/internal/config"
	"github.com/cocoondata/access-service/internal/listing"
)

// Start-up checks: what would otherwise fail later, or with a driver's words, said at start in the
// operator's terms.

// SMTPCheckTimeout bounds the start-up check of the SMTP server: connecting and reading its greeting.
const SMTPCheckTimeout = 3 * time.Second

// WarnIfSMTPUnreachable checks, when ACCESS_SMTP_URL is set, that the SMTP server answers (it connects
// and reads the server's greeting, within SMTPCheckTimeout) and logs a warning naming the server when it
// does not. The service starts either way: emails fail until the server answers.
func WarnIfSMTPUnreachable(ctx context.Context, cfg config.Config, log *slog.Logger) {
	if cfg.SMTPURL == "" {
		return
	}
	addr, err := CheckSMTP(ctx, cfg.SMTPURL, SMTPCheckTimeout)
	if err != nil {
		log.Warn(fmt.Sprintf("ACCESS_SMTP_URL: the SMTP server %s does not answer; emails (invitations, password resets, notices) will fail until it does", addr),
			"smtp_server", addr, "error", err.Error())
	}
}

// CheckSMTP connects to the SMTP server the URL names and reads its greeting (after the TLS handshake
// for smtps://). It returns the server's host:port, and why it does not answer when it does not.
func CheckSMTP(ctx context.Context, smtpURL string, timeout time.Duration) (string, error) {
	u, err := url.Parse(smtpURL)
	if err != nil || u.Hostname() == "" {
		return smtpURL, errors.New("not an smtp:// or smtps:// URL with a host")
	}
	port := u.Port()
	if port == "" {
		port = "25"
		if u.Scheme == "smtps" {
			port = "465"
		}
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return addr, err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	if u.Scheme == "smtps" {
		tc := tls.Client(conn, &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12})
		if err := tc.HandshakeContext(ctx); err != nil {
			return addr, fmt.Errorf("TLS: %w", err)
		}
		conn = tc
	}
	if _, _, err := textproto.NewConn(conn).ReadResponse(220); err != nil {
		return addr, fmt.Errorf("no SMTP greeting: %w", err)
	}
	return addr, nil
}

// checkDataFolder, for the embedded store, makes the database file's folder when it is missing and
// checks that the service may write there (and the file, when it exists): otherwise the start stops with
// a line naming the folder rather than the SQLite driver's words.
func checkDataFolder(databaseURL string) error {
	if !config.IsEmbedded(databaseURL) {
		return nil
	}
	path := config.SQLitePath(databaseURL)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &DatabaseError{fmt.Errorf("cannot create the folder %s: %w", dir, unwrapPath(err))}
	}
	probe, err := os.CreateTemp(dir, ".access-service-write-check-*")
	if err != nil {
		return &DatabaseError{fmt.Errorf("folder %s is not writable", dir)}
	}
	_ = probe.Close()
	_ = os.Remove(probe.Name())
	if f, err := os.OpenFile(path, os.O_RDWR, 0); err == nil {
		_ = f.Close()
	} else if !errors.Is(err, os.ErrNotExist) {
		return &DatabaseError{fmt.Errorf("file %s is not writable", path)}
	}
	return nil
}

// unwrapPath drops a *PathError's operation and path (the message names the folder already).
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// warnIfNoAccess says, on a store nobody can sign in to yet (no SafeShare administrator, or no client
// app to get a token through), exactly what to run.
func (a *App) warnIfNoAccess(ctx context.Context, hasAdmin bool) {
	if !hasAdmin {
		a.Log.Warn("no SafeShare administrator exists; create one with: access-service user create --safeshare-admin --email EMAIL (the password is read from standard input, one line)")
	}
	page, err := a.Apps.List(ctx, listing.Query{Limit: 1})
	if err == nil && page.Count == 0 {
		a.Log.Warn("no client app is registered, so nobody can get a token; register one with: access-service client create --client-id ID --generate-secret (grants password and refresh_token, scope read unless --grant and --scope say otherwise)")
	}
}
