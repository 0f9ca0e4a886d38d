// Package contact is each user's own address book: the people they share with, by email address, with
// an optional name. A book holds an address once (compared as the service compares addresses:
// user.NormalizeEmail); only its owner sees or changes it.
package contact

import (
	"context"
	"strings"
	"time"
	"unicode"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/user"
)

// Contact is one entry of a user's address book.
type Contact struct {
	ID                  int64
	OwnerID             int64
	Email               string // normalised: trimmed and lower-cased
	FirstName, LastName *string
	CreatedAt           time.Time
	ModifiedAt          time.Time
}

// Details are what the owner gives of a contact, adding or replacing it.
type Details struct {
	Email               string
	FirstName, LastName *string
}

// MaxAdd is the most contacts one request adds (the spec's maxItems says so too).
const MaxAdd = 100

var (
	// ErrNotFound: no such contact in the caller's book (another user's contact is not the caller's).
	ErrNotFound = errs.New(errs.NotFound, "Contact not found", "contact not found")
	// ErrDuplicate: the book has a contact with this address already (or the request names it twice).
	ErrDuplicate = errs.New(errs.Conflict, "Duplicate contact", "the address book already has a contact with this email")
	// ErrOwnerGone: the owner's account was removed while contacts were being added to it.
	ErrOwnerGone = errs.New(errs.NotFound, "User not found", "the account no longer exists")
	// ErrTooMany and ErrNone: a request adds 1 to MaxAdd contacts (the spec refuses the others first).
	ErrTooMany = errs.New(errs.Invalid, "Too many contacts", "at most 100 contacts may be added at once")
	ErrNone    = errs.New(errs.Invalid, "No contacts", "at least one contact must be given")
)

// Store keeps the address books: queries only; the rules about them are the Service's.
type Store interface {
	// InTx runs fn in one transaction carried in its context; the store's methods called with that
	// context join it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Having returns which of the (normalised) addresses the owner's book has, in one statement.
	Having(ctx context.Context, ownerID int64, emails []string) ([]string, error)
	// Add stores the contacts in one statement, so all or none: an address the book has already is
	// ErrDuplicate (the unique index's word, for a concurrent request), an owner who is gone ErrOwnerGone.
	Add(ctx context.Context, contacts []Contact) error
	// Page is one page of the owner's book; q.Search (lower case) is looked for in the email and names.
	Page(ctx context.Context, ownerID int64, q listing.Query) (listing.Page[Contact], error)
	// Lock reads the owner's contact and locks it for the rest of the transaction; ErrNotFound if the
	// owner has no such contact.
	Lock(ctx context.Context, ownerID, id int64) (Contact, error)
	// Replace stores c's email, names and ModifiedAt; an address another contact of the book has is
	// ErrDuplicate.
	Replace(ctx context.Context, c Contact) error
	// Delete deletes the owner's contact; ErrNotFound if the owner has no such contact.
	Delete(ctx context.Context, ownerID, id int64) error
}

// Service is the address books' rules.
type Service struct {
	store Store
	ids   *ids.Generator
	now   func() time.Time
}

// NewService returns the address books over the store.
func NewService(s Store, g *ids.Generator) *Service {
	return &Service{store: s, ids: g, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// check normalises the details' address and refuses names with control characters, naming the
// member refused (field) with its error.
func check(d Details) (Details, string, error) {
	email, err := user.NormalizeEmail(d.Email)
	if err != nil {
		return Details{}, "email", err
	}
	d.Email = email
	if hasControl(d.FirstName) {
		return Details{}, "firstName", user.ErrControlCharacter
	}
	if hasControl(d.LastName) {
		return Details{}, "lastName", user.ErrControlCharacter
	}
	return d, "", nil
}

func hasControl(s *string) bool { return s != nil && strings.IndexFunc(*s, unicode.IsControl) >= 0 }

// Add adds contacts to the owner's book, all or none, and returns those added, in the request's order.
// An invalid item refuses the whole request, naming every such item. An address the book has already,
// or that an earlier item of the request has, refuses it too (ErrDuplicate, naming each), unless
// ignoreDuplicates: then that item is skipped. A concurrent request adding the same address meanwhile
// is refused by the store's unique index (ErrDuplicate), so a book never holds an address twice.
func (s *Service) Add(ctx context.Context, ownerID int64, items []Details, ignoreDuplicates bool) ([]Contact, error) {
	switch {
	case len(items) == 0:
		return nil, ErrNone
	case len(items) > MaxAdd:
		return nil, ErrTooMany
	}
	var refused errs.Items
	checked := make([]Details, len(items))
	for i, it := range items {
		d, field, err := check(it)
		if err != nil {
			refused = append(refused, &errs.ItemError{Index: i, Field: field, Err: err})
			continue
		}
		checked[i] = d
	}
	if len(refused) > 0 {
		return nil, refused
	}
	emails := make([]string, len(checked))
	for i, d := range checked {
		emails[i] = d.Email
	}
	var added []Contact
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		have, err := s.store.Having(ctx, ownerID, emails)
		if err != nil {
			return err
		}
		seen := make(map[string]bool, len(have)+len(checked))
		for _, e := range have {
			seen[e] = true
		}
		now := s.now()
		var duplicates errs.Items
		added = make([]Contact, 0, len(checked))
		for i, d := range checked {
			if seen[d.Email] {
				if !ignoreDuplicates {
					duplicates = append(duplicates, &errs.ItemError{Index: i, Field: "email", Err: ErrDuplicate})
				}
				continue
			}
			seen[d.Email] = true
			added = append(added, Contact{ID: s.ids.New(), OwnerID: ownerID, Email: d.Email, FirstName: d.FirstName,
				LastName: d.LastName, CreatedAt: now, ModifiedAt: now})
		}
		if len(duplicates) > 0 {
			return duplicates
		}
		if len(added) == 0 {
			return nil // every one was in the book already, and skipped
		}
		return s.store.Add(ctx, added)
	})
	if err != nil {
		return nil, err
	}
	return added, nil
}

// List is one page of the owner's book; the search text is looked for case-insensitively.
func (s *Service) List(ctx context.Context, ownerID int64, q listing.Query) (listing.Page[Contact], error) {
	q.Search = strings.ToLower(q.Search)
	return s.store.Page(ctx, ownerID, q)
}

// Replace replaces the email and names of one of the owner's contacts (a name not given becomes none).
// Another user's contact, or an unknown id, is ErrNotFound; an address another contact of the book has
// is ErrDuplicate.
func (s *Service) Replace(ctx context.Context, ownerID, id int64, d Details) (Contact, error) {
	d, _, err := check(d)
	if err != nil {
		return Contact{}, err
	}
	var c Contact
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if c, err = s.store.Lock(ctx, ownerID, id); err != nil {
			return err
		}
		c.Email, c.FirstName, c.LastName, c.ModifiedAt = d.Email, d.FirstName, d.LastName, s.now()
		// Another contact with the address, had already or added meanwhile: the unique index refuses it.
		return s.store.Replace(ctx, c)
	})
	if err != nil {
		return Contact{}, err
	}
	return c, nil
}

// Delete removes one of the owner's contacts; another user's, or an unknown id, is ErrNotFound.
func (s *Service) Delete(ctx context.Context, ownerID, id int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		return s.store.Delete(ctx, ownerID, id)
	})
}
