// Package listing describes one page of a list: which items, in what order, matching what text.
package listing

// Query asks for one page of a list. Limit 0 means no cap. SortBy is one of the names the endpoint
// allows (already checked by the spec); ties are always broken by id so pages never overlap.
type Query struct {
	Limit, Offset int
	Desc          bool
	SortBy        string
	Search        string
}
