// Package listing describes one page of a list: which items, in what order, matching what text, and
// the page that answers it. Every list of the API goes through it: the store's one list query
// (internal/store, list) and the HTTP layer's one mapping to the {items, count, offset} envelope.
package listing

// Query asks for one page of a list. Limit 0 means no cap. SortBy is one of the names the endpoint
// allows (already checked by the spec; the store maps it to a column, "" to the list's default); ties
// are always broken by id so pages never overlap.
type Query struct {
	Limit, Offset int
	Desc          bool
	SortBy        string
	Search        string
}

// Page is one page of a list: its items, how many match in all (before limit and offset, so a client
// can page), and the offset it starts at.
type Page[T any] struct {
	Items  []T
	Count  int
	Offset int
}

// InOrganisation checks a page of things that exist only in an existing organisation (their foreign key
// says so): a page that counts any proves the organisation exists, so only an empty one asks exists,
// and is gone when it does not.
func InOrganisation[T any](page Page[T], exists func() (bool, error), gone error) (Page[T], error) {
	if page.Count > 0 {
		return page, nil
	}
	ok, err := exists()
	if err == nil && !ok {
		err = gone
	}
	return page, err
}

// Map converts a page's items, for a layer with types of its own.
func Map[T, U any](items []T, f func(T) U) []U {
	out := make([]U, len(items))
	for i, it := range items {
		out[i] = f(it)
	}
	return out
}
