package contact_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cocoondata/access-service/internal/contact"
	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/user"
)

func ptr[T any](v T) *T { return &v }

type book struct {
	d          *testutil.Domain
	owner, two int64
}

func newBook(t *testing.T) *book {
	t.Helper()
	d := testutil.NewDomain(t)
	b := &book{d: d}
	for i, id := range []*int64{&b.owner, &b.two} {
		u, err := d.Users.Create(context.Background(), user.NewUser{Email: fmt.Sprintf("owner%d@example.org", i)})
		if err != nil {
			t.Fatal(err)
		}
		*id = u.ID
	}
	return b
}

func (b *book) emails(t *testing.T, owner int64) []string {
	t.Helper()
	p, err := b.d.Contacts.List(context.Background(), owner, listing.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return listing.Map(p.Items, func(c contact.Contact) string { return c.Email })
}

// refused: err is errs.Items naming exactly these "index:field" items, each with the error want (nil:
// any kinded error).
func refused(t *testing.T, err, want error, items ...string) {
	t.Helper()
	var es errs.Items
	if !errors.As(err, &es) {
		t.Fatalf("%v, want items refused", err)
	}
	var got []string
	for _, e := range es {
		if _, kinded := errs.As(e.Err); !kinded || want != nil && !errors.Is(e.Err, want) {
			t.Errorf("item %d: %v, want %v", e.Index, e.Err, want)
		}
		got = append(got, fmt.Sprintf("%d:%s", e.Index, e.Field))
	}
	if !slices.Equal(got, items) {
		t.Errorf("refused %v, want %v", got, items)
	}
}

// The rules of adding: addresses normalised, all or none, every refused item named, duplicates within
// the request or against the book refused unless skipped.
func TestAdd(t *testing.T) {
	t.Parallel()
	b, ctx := newBook(t), context.Background()
	added, err := b.d.Contacts.Add(ctx, b.owner, []contact.Details{
		{Email: " Carol@Example.ORG ", FirstName: ptr("Carol")}, {Email: "dave@example.org", LastName: ptr("Jones")}}, false)
	if err != nil || len(added) != 2 || added[0].Email != "carol@example.org" || *added[0].FirstName != "Carol" ||
		added[0].LastName != nil || added[1].Email != "dave@example.org" || added[0].OwnerID != b.owner {
		t.Fatalf("%+v %v", added, err)
	}

	_, err = b.d.Contacts.Add(ctx, b.owner, []contact.Details{{Email: "bad"}, {Email: "ok@example.org"},
		{Email: "x@example.org", FirstName: ptr("a\nb")}, {Email: "y@example.org", LastName: ptr("\x00")}}, true)
	refused(t, err, nil, "0:email", "2:firstName", "3:lastName")
	_, err = b.d.Contacts.Add(ctx, b.owner, []contact.Details{{Email: "x@example.org", FirstName: ptr("a\tb")}}, false)
	refused(t, err, user.ErrControlCharacter, "0:firstName")

	_, err = b.d.Contacts.Add(ctx, b.owner, []contact.Details{{Email: "new@example.org"}, {Email: "CAROL@example.org"},
		{Email: "other@example.org"}, {Email: "New@Example.org"}}, false)
	refused(t, err, contact.ErrDuplicate, "1:email", "3:email")
	if got := b.emails(t, b.owner); !slices.Equal(got, []string{"carol@example.org", "dave@example.org"}) {
		t.Fatalf("a refused request changed the book: %v", got)
	}

	added, err = b.d.Contacts.Add(ctx, b.owner, []contact.Details{{Email: "new@example.org"}, {Email: "CAROL@example.org"},
		{Email: "other@example.org"}, {Email: "New@Example.org"}}, true)
	if err != nil || len(added) != 2 || added[0].Email != "new@example.org" || added[1].Email != "other@example.org" {
		t.Fatalf("skipping duplicates: %+v %v", added, err)
	}
	if _, err := b.d.Contacts.Add(ctx, b.owner, nil, false); !errors.Is(err, contact.ErrNone) {
		t.Errorf("no contacts: %v", err)
	}
	many := make([]contact.Details, contact.MaxAdd+1)
	for i := range many {
		many[i] = contact.Details{Email: fmt.Sprintf("m%d@example.org", i)}
	}
	if _, err := b.d.Contacts.Add(ctx, b.owner, many, false); !errors.Is(err, contact.ErrTooMany) {
		t.Errorf("101 contacts: %v", err)
	}
	if got := b.emails(t, b.two); len(got) != 0 {
		t.Errorf("another book: %v", got)
	}
}

// Replacing and deleting: only the owner's contacts; another contact's address is a conflict.
func TestReplaceAndDelete(t *testing.T) {
	t.Parallel()
	b, ctx := newBook(t), context.Background()
	mine, err := b.d.Contacts.Add(ctx, b.owner, []contact.Details{{Email: "a@example.org", FirstName: ptr("A")}, {Email: "b@example.org"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := b.d.Contacts.Add(ctx, b.two, []contact.Details{{Email: "c@example.org"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.d.Contacts.Replace(ctx, b.owner, mine[0].ID, contact.Details{Email: "A2@Example.org", LastName: ptr("Z")})
	if err != nil || c.Email != "a2@example.org" || c.FirstName != nil || *c.LastName != "Z" || !c.CreatedAt.Equal(mine[0].CreatedAt) ||
		c.ModifiedAt.Before(c.CreatedAt) {
		t.Fatalf("%+v %v", c, err)
	}
	for name, tc := range map[string]struct {
		owner, id int64
		d         contact.Details
		want      error
	}{
		"another's":         {b.owner, theirs[0].ID, contact.Details{Email: "z@example.org"}, contact.ErrNotFound},
		"unknown":           {b.owner, 1, contact.Details{Email: "z@example.org"}, contact.ErrNotFound},
		"another's address": {b.owner, mine[0].ID, contact.Details{Email: "B@example.org"}, contact.ErrDuplicate},
		"invalid":           {b.owner, mine[0].ID, contact.Details{Email: "z"}, user.ErrInvalidEmail},
		"control":           {b.owner, mine[0].ID, contact.Details{Email: "z@example.org", LastName: ptr("\u0085")}, user.ErrControlCharacter},
	} {
		if _, err := b.d.Contacts.Replace(ctx, tc.owner, tc.id, tc.d); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	if err := b.d.Contacts.Delete(ctx, b.owner, theirs[0].ID); !errors.Is(err, contact.ErrNotFound) {
		t.Errorf("deleting another's: %v", err)
	}
	if err := b.d.Contacts.Delete(ctx, b.owner, mine[1].ID); err != nil {
		t.Fatal(err)
	}
	if got := b.emails(t, b.owner); !slices.Equal(got, []string{"a2@example.org"}) {
		t.Errorf("%v", got)
	}
	if got := b.emails(t, b.two); !slices.Equal(got, []string{"c@example.org"}) {
		t.Errorf("%v", got)
	}
	// A removed account takes its book with it.
	conn, err := pgx.Connect(ctx, b.d.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DELETE FROM users WHERE id = $1", b.two); err != nil {
		t.Fatal(err)
	}
	if n := b.d.Count(t, "SELECT COUNT(*) FROM contacts WHERE owner_id = $1", b.two); n != 0 {
		t.Errorf("%d contacts outlive their owner", n)
	}
	if _, err := b.d.Contacts.Add(ctx, b.two, []contact.Details{{Email: "d@example.org"}}, false); !errors.Is(err, contact.ErrOwnerGone) {
		t.Errorf("adding to a removed account's book: %v", err)
	}
}
