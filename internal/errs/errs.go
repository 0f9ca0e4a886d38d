// Package errs gives the domain's errors a kind: what sort of refusal they are (invalid input, a
// missing thing, a conflict with the current state, ...) and a stable title. The HTTP layer turns a kind
// into a status in one place, so a new error needs no row in any table: declaring it with its kind is
// enough. Modelled on ory/herodot and ardanlabs/service's app/sdk/errs.
package errs

import (
	"errors"
	"fmt"
)

// Kind is what sort of refusal an error is.
type Kind uint8

// The kinds. Each maps to one HTTP status (internal/httpapi).
const (
	// Invalid: the request breaks a rule about its content (400).
	Invalid Kind = iota + 1
	// NotFound: the thing named does not exist, or is not the caller's to see (404).
	NotFound
	// Conflict: the request conflicts with the current state: a duplicate, something already there (409).
	Conflict
	// Forbidden: the caller may not do this, whatever the state (403).
	Forbidden
	// Precondition: the current state does not allow this yet: something must happen first (409).
	Precondition
	// Unavailable: the service cannot answer now; the same request may succeed later (503).
	Unavailable
)

var kindNames = [...]string{Invalid: "invalid", NotFound: "not found", Conflict: "conflict", Forbidden: "forbidden",
	Precondition: "precondition", Unavailable: "unavailable"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Kinded is an error that knows its kind and title. *Error is one; a domain type with more to say
// (a password policy, a pattern's reason) can be another.
type Kinded interface {
	error
	Kind() Kind
	// Title is short, stable per kind of error, and safe to show (RFC 9457's title).
	Title() string
}

// Error is a domain error: a sentinel, compared with errors.Is.
type Error struct {
	kind  Kind
	title string
	msg   string
}

// New declares a domain error: its kind, its stable title, and a message for people (lower case, no
// final stop: "organisation not found").
func New(kind Kind, title, msg string) *Error { return &Error{kind: kind, title: title, msg: msg} }

func (e *Error) Error() string { return e.msg }

// Kind implements Kinded.
func (e *Error) Kind() Kind { return e.kind }

// Title implements Kinded.
func (e *Error) Title() string { return e.title }

// As finds the first error in err's chain that knows its kind.
func As(err error) (Kinded, bool) {
	var k Kinded
	if errors.As(err, &k) {
		return k, true
	}
	return nil, false
}

// Is reports whether err, or any error it wraps, is of kind k.
func Is(err error, k Kind) bool {
	e, ok := As(err)
	return ok && e.Kind() == k
}

// ItemError says which item of a multi-item request is refused and why.
type ItemError struct {
	Index int    // the item's position in the request
	Field string // the member, e.g. "pattern" or "id"
	Err   error  // why; a Kinded error
	// Path, when set, names the item in the request as a whole ("ids[3]"); otherwise it is
	// items[Index].Field.
	Path string
}

func (e *ItemError) Error() string { return fmt.Sprintf("item %d: %s: %v", e.Index, e.Field, e.Err) }
func (e *ItemError) Unwrap() error { return e.Err }

// Items are every refused item of one request; nothing of the request was done.
type Items []*ItemError

func (es Items) Error() string {
	if len(es) == 0 {
		return "no items refused"
	}
	return fmt.Sprintf("%d items refused, the first: %v", len(es), es[0])
}

// Unwrap lets errors.Is find the kinds of the items' errors.
func (es Items) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// precedence orders kinds for a request whose items are refused for several reasons: the one answered
// is the first of these any item has (a malformed item is reported before a duplicate, a duplicate
// before a missing one), and the items refused for it are named.
var precedence = []Kind{Invalid, Forbidden, Conflict, Precondition, NotFound, Unavailable}

// Worst is the kind a multi-item refusal is answered with, and the items refused for it.
func (es Items) Worst() (Kinded, []*ItemError) {
	for _, k := range precedence {
		var first Kinded
		var named []*ItemError
		for _, e := range es {
			if ke, ok := As(e.Err); ok && ke.Kind() == k {
				if first == nil {
					first = ke
				}
				named = append(named, e)
			}
		}
		if first != nil {
			return first, named
		}
	}
	return nil, es
}

// Named returns the items with each one's Path set by name (an HTTP concern: the same rule ids are
// `ids[0]` in one request and `items[0].id` in another).
func (es Items) Named(name func(e *ItemError) string) Items {
	out := make(Items, len(es))
	for i, e := range es {
		c := *e
		c.Path = name(e)
		out[i] = &c
	}
	return out
}

// Name is how the item is named in the request.
func (e *ItemError) Name() string {
	if e.Path != "" {
		return e.Path
	}
	return fmt.Sprintf("items[%d].%s", e.Index, e.Field)
}
