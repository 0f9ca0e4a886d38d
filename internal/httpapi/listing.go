package httpapi

import (
	"github.com/cocoondata/access-service/internal/listing"
)

// listQuery is the one reading of a list's query parameters (contract §5): limit (0, the default, is no
// cap), offset, orderBy (ASC unless DESC), sortBy (one of the names the spec allows the endpoint; the
// store maps it) and search. Absent parameters are nil; an operation without one passes noParam.
func listQuery[O, S ~string](limit, offset *int, orderBy *O, sortBy *S, search *string) listing.Query {
	q := listing.Query{}
	if limit != nil {
		q.Limit = *limit
	}
	if offset != nil {
		q.Offset = *offset
	}
	if orderBy != nil {
		q.Desc = *orderBy == "DESC"
	}
	if sortBy != nil {
		q.SortBy = string(*sortBy)
	}
	if search != nil {
		q.Search = *search
	}
	return q
}

// noParam stands for a list parameter the operation does not take.
var noParam *string

// envelope is the shape of every list answer ({items, count, offset}, contract §5); each generated
// list type (gen.OrganisationList, gen.MemberList, ...) has its layout, so envelope converts to it:
// gen.ListOrganisations200JSONResponse(pageOut(p, organisationOut)).
type envelope[W any] struct {
	Count  int
	Items  []W
	Offset int
}

// pageOut maps a page of domain values to the envelope of their wire form.
func pageOut[T, W any](p listing.Page[T], out func(T) W) envelope[W] {
	return envelope[W]{Count: p.Count, Items: listing.Map(p.Items, out), Offset: p.Offset}
}
