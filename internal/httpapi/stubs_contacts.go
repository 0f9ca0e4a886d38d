package httpapi

// TEMPORARY stubs while issue 19's contacts work is built; the helper building it deletes this file.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

func (s *Server) AddMyContacts(ctx context.Context, request gen.AddMyContactsRequestObject) (gen.AddMyContactsResponseObject, error) {
	return nil, errors.New("AddMyContacts is not built yet")
}

func (s *Server) ListMyContacts(ctx context.Context, request gen.ListMyContactsRequestObject) (gen.ListMyContactsResponseObject, error) {
	return nil, errors.New("ListMyContacts is not built yet")
}

func (s *Server) UpdateMyContact(ctx context.Context, request gen.UpdateMyContactRequestObject) (gen.UpdateMyContactResponseObject, error) {
	return nil, errors.New("UpdateMyContact is not built yet")
}

func (s *Server) DeleteMyContact(ctx context.Context, request gen.DeleteMyContactRequestObject) (gen.DeleteMyContactResponseObject, error) {
	return nil, errors.New("DeleteMyContact is not built yet")
}
