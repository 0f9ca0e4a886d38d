package app

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/config"
)

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// fakeSMTP accepts connections and writes greeting (nothing when empty) on each.
func fakeSMTP(t *testing.T, greeting string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if greeting != "" {
				_, _ = c.Write([]byte(greeting))
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	return ln.Addr().String()
}

func TestCheckSMTP(t *testing.T) {
	ctx := context.Background()
	closed := closedPort(t)
	if addr, err := CheckSMTP(ctx, "smtp://user:pw@"+closed, time.Second); err == nil || addr != closed {
		t.Fatalf("closed port: %q, %v; want the address and an error", addr, err)
	}
	if _, err := CheckSMTP(ctx, "smtp://"+fakeSMTP(t, "220 mail.example.com ESMTP ready\r\n"), time.Second); err != nil {
		t.Fatalf("a server that greets: %v", err)
	}
	// Something answers on the port but it is not an SMTP server: no 220 greeting.
	if _, err := CheckSMTP(ctx, "smtp://"+fakeSMTP(t, "HTTP/1.1 400 Bad Request\r\n\r\n"), time.Second); err == nil {
		t.Fatal("a server that does not greet with 220 passed")
	}
	// A server that accepts and stays silent: the check gives up at its timeout.
	if _, err := CheckSMTP(ctx, "smtp://"+fakeSMTP(t, ""), 200*time.Millisecond); err == nil {
		t.Fatal("a silent server passed")
	}
}

func TestWarnIfSMTPUnreachable(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	closed := closedPort(t)
	WarnIfSMTPUnreachable(context.Background(), config.Config{SMTPURL: "smtp://" + closed}, log)
	if out := logs.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "SMTP server "+closed+" does not answer") ||
		!strings.Contains(out, "emails") {
		t.Fatalf("no warning naming the server: %q", out)
	}
	logs.Reset()
	WarnIfSMTPUnreachable(context.Background(), config.Config{SMTPURL: "smtp://" + fakeSMTP(t, "220 ready\r\n")}, log)
	WarnIfSMTPUnreachable(context.Background(), config.Config{}, log)
	if logs.Len() != 0 {
		t.Fatalf("warned about a server that answers, or no server: %q", logs.String())
	}
}

// unwritableFolder is an existing folder where this process cannot create a file. chmod does not stop
// root, so as root it is a folder of /proc, where nobody can create files.
func unwritableFolder(t *testing.T) string {
	t.Helper()
	if os.Geteuid() == 0 {
		dir := "/proc/self"
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Skip("running as root without /proc: no folder root cannot write")
		}
		return dir
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	return dir
}

func TestCheckDataFolder(t *testing.T) {
	// A missing folder is made.
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := checkDataFolder("sqlite:" + filepath.Join(dir, "x.db")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("the folder was not made: %v", err)
	}
	// PostgreSQL: nothing to check.
	if err := checkDataFolder("postgres://h/db"); err != nil {
		t.Fatal(err)
	}

	ro := unwritableFolder(t)
	err := checkDataFolder("sqlite:" + filepath.Join(ro, "access-service.db"))
	var dbErr *DatabaseError
	if want := "ACCESS_DATABASE_URL: folder " + ro + " is not writable"; err == nil || err.Error() != want || !errors.As(err, &dbErr) {
		t.Fatalf("got %v, want %q", err, want)
	}

	// A folder that cannot be made: a regular file stands where it should be.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err = checkDataFolder("sqlite:" + filepath.Join(file, "data", "access-service.db"))
	if want := "ACCESS_DATABASE_URL: cannot create the folder " + filepath.Join(file, "data") + ": not a directory"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}
