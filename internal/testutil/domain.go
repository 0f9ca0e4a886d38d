package testutil

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/notify"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/password"
	"github.com/cocoondata/access-service/internal/property"
	"github.com/cocoondata/access-service/internal/revocation"
	"github.com/cocoondata/access-service/internal/store"
	"github.com/cocoondata/access-service/internal/user"
	"github.com/cocoondata/access-service/internal/whitelist"
)

// Domain is the domain services over a fresh PostgreSQL database, built as internal/app builds them,
// without keys or HTTP: for the domain packages' own tests.
type Domain struct {
	Store       *store.Store
	IDs         *ids.Generator
	Properties  *property.Service
	Revocations *revocation.Index
	Users       *user.Service
	Apps        *clientapp.Service
	Orgs        *organisation.Service
	Whitelist   *whitelist.Service
	// Mail holds what Orgs sent.
	Mail *Mailbox

	db *pgxpool.Pool
}

// NewDomain creates a database for the test and builds the domain services over it.
func NewDomain(t testing.TB) *Domain {
	t.Helper()
	url := NewPostgres(t)
	st := OpenStore(t, url)
	db, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	gen, err := ids.NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	hasher := password.NewHasher(password.Cheap)
	props := property.NewService(st.Properties())
	revoked := revocation.NewIndex(st.Revocations(), log)
	mail := &Mailbox{}
	return &Domain{
		Store: st, IDs: gen, Properties: props, Revocations: revoked, Mail: mail, db: db,
		Users:     user.NewService(st.Users(), st.OAuth(), gen, hasher, props, revoked),
		Apps:      clientapp.NewService(st.ClientApps(), st.OAuth(), gen, hasher, revoked),
		Orgs:      organisation.NewService(st.Organisations(), st.Users(), gen, mail, log),
		Whitelist: whitelist.NewService(st.Whitelist(), gen),
	}
}

// OAuth loads (makes) the signing keys and builds the authorization server over the domain, as
// internal/app does.
func (d *Domain) OAuth(t testing.TB) (*oauth.Tokens, *oauth.Grants) {
	t.Helper()
	keys, err := oauth.LoadKeys(context.Background(), d.Store.OAuth())
	if err != nil {
		t.Fatal(err)
	}
	tokens := oauth.NewTokens(keys, "http://access.test", d.Revocations)
	return tokens, oauth.NewGrants(tokens, d.Users, d.Apps, d.Store.OAuth(), d.IDs, d.Revocations)
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
	OnSend func(notify.Message)
	// Fail makes every send fail, as a mail server that is down would.
	Fail bool

	mu   sync.Mutex
	sent []notify.Message
}

// Send implements notify.Sender.
func (m *Mailbox) Send(_ context.Context, msg notify.Message) error {
	if m.OnSend != nil {
		m.OnSend(msg)
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
