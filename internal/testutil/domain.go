package testutil

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/notify"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/password"
)

// Domain is the domain services over a fresh PostgreSQL database, built by internal/app's OpenStore
// (as the binary builds them, without keys or HTTP): for the domain packages' own tests.
type Domain struct {
	*app.App
	// Mail holds what Orgs sent.
	Mail *Mailbox

	db *pgxpool.Pool
}

// NewDomain creates a database for the test and builds the domain services over it.
func NewDomain(t testing.TB) *Domain {
	t.Helper()
	url := NewPostgres(t)
	mail := &Mailbox{}
	a, err := app.OpenStore(context.Background(), configOf(t, map[string]string{"ACCESS_DATABASE_URL": url}),
		app.Options{Logger: slog.New(slog.DiscardHandler), PasswordParams: password.Cheap, Mailer: mail})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	db, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return &Domain{App: a, Mail: mail, db: db}
}

// OAuth builds the authorization server over the domain (keys, tokens, grants), as the binary does.
func (d *Domain) OAuth(t testing.TB) (*oauth.Tokens, *oauth.Grants) {
	t.Helper()
	if err := d.BuildAuthorizationServer(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d.Tokens, d.Grants
}

// Org creates an organisation named name, whose first administrator is admin@<name>.example.
func (d *Domain) Org(t testing.TB, name string) organisation.Organisation {
	t.Helper()
	o, err := d.Orgs.Create(context.Background(), organisation.NewOrganisation{
		Name: name, AdminEmail: "admin@" + name + ".example", ContactEmail: "contact@" + name + ".example", Quota: 1024})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Count runs a counting query (SELECT count(*) ...) on its own connection, outside any transaction a
// service has open: it sees only what is committed.
func (d *Domain) Count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := d.db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// Mailbox is a notify.Sender that keeps what it is given. OnSend, when set, runs as each message is
// sent, before Send returns.
type Mailbox struct {
	// Fail makes every send fail, as a mail server that is down would.
	Fail bool

	mu     sync.Mutex
	sent   []notify.Message
	onSend func(notify.Message)
}

// OnSend makes f run at every send, before Send returns. Sends happen in the background too (an
// organisation's first administrator's invitation), hence the lock.
func (m *Mailbox) OnSend(f func(notify.Message)) {
	m.mu.Lock()
	m.onSend = f
	m.mu.Unlock()
}

// Send implements notify.Sender.
func (m *Mailbox) Send(_ context.Context, msg notify.Message) error {
	m.mu.Lock()
	f := m.onSend
	m.mu.Unlock()
	if f != nil {
		f(msg)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Fail {
		return errMailDown
	}
	m.sent = append(m.sent, msg)
	return nil
}

var errMailDown = errors.New("mail server down")

// Messages are the messages sent so far.
func (m *Mailbox) Messages() []notify.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]notify.Message(nil), m.sent...)
}
