package httpapi

// The caller's own address book: /api/v1/users/me/contacts[/{contactId}]. Any signed-in user; a contact
// of another user's book is not the caller's, so it is a 404 like an unknown one.

import (
	"context"
	"errors"
	"fmt"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/contact"
	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/ids"
)

func contactOut(c contact.Contact) gen.Contact {
	return gen.Contact{Id: ids.Format(c.ID), Email: c.Email, FirstName: c.FirstName, LastName: c.LastName,
		CreatedAt: c.CreatedAt, ModifiedAt: c.ModifiedAt}
}

// AddMyContacts implements gen.StrictServerInterface.
func (s *Server) AddMyContacts(ctx context.Context, req gen.AddMyContactsRequestObject) (gen.AddMyContactsResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	items := make([]contact.Details, len(b.Contacts))
	for i, c := range b.Contacts {
		items[i] = contact.Details{Email: string(c.Email), FirstName: c.FirstName, LastName: c.LastName}
	}
	added, err := s.Contacts.Add(ctx, u.ID, items, b.IgnoreDuplicates != nil && *b.IgnoreDuplicates)
	var refused errs.Items
	if errors.As(err, &refused) {
		// Each refused item as the request names it: contacts[2].email.
		return nil, refused.Named(func(e *errs.ItemError) string { return fmt.Sprintf("contacts[%d].%s", e.Index, e.Field) })
	}
	if err != nil {
		return nil, err
	}
	out := make([]gen.Contact, len(added))
	for i, c := range added {
		out[i] = contactOut(c)
	}
	return gen.AddMyContacts200JSONResponse{Items: out}, nil
}

// ListMyContacts implements gen.StrictServerInterface.
func (s *Server) ListMyContacts(ctx context.Context, req gen.ListMyContactsRequestObject) (gen.ListMyContactsResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	p := req.Params
	page, err := s.Contacts.List(ctx, u.ID, listQuery(p.Limit, p.Offset, p.OrderBy, p.SortBy, p.Search))
	if err != nil {
		return nil, err
	}
	return gen.ListMyContacts200JSONResponse(pageOut(page, contactOut)), nil
}

// UpdateMyContact implements gen.StrictServerInterface.
func (s *Server) UpdateMyContact(ctx context.Context, req gen.UpdateMyContactRequestObject) (gen.UpdateMyContactResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	c, err := s.Contacts.Replace(ctx, u.ID, pathID(req.ContactId), contact.Details{Email: string(b.Email), FirstName: b.FirstName, LastName: b.LastName})
	if err != nil {
		return nil, err
	}
	return gen.UpdateMyContact200JSONResponse(contactOut(c)), nil
}

// DeleteMyContact implements gen.StrictServerInterface.
func (s *Server) DeleteMyContact(ctx context.Context, req gen.DeleteMyContactRequestObject) (gen.DeleteMyContactResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Contacts.Delete(ctx, u.ID, pathID(req.ContactId)); err != nil {
		return nil, err
	}
	return gen.DeleteMyContact200Response{}, nil
}
