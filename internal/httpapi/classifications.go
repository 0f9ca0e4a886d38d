package httpapi

// TEMPORARY STUBS on branch org-admin-spec: replaced by the real handlers before merging to main.

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/gen"
)

func (s *Server) CreateClassification(ctx context.Context, request gen.CreateClassificationRequestObject) (gen.CreateClassificationResponseObject, error) {
	return nil, errors.New("CreateClassification: not built yet")
}

func (s *Server) ListClassifications(ctx context.Context, request gen.ListClassificationsRequestObject) (gen.ListClassificationsResponseObject, error) {
	return nil, errors.New("ListClassifications: not built yet")
}

func (s *Server) GetClassification(ctx context.Context, request gen.GetClassificationRequestObject) (gen.GetClassificationResponseObject, error) {
	return nil, errors.New("GetClassification: not built yet")
}

func (s *Server) DeleteClassification(ctx context.Context, request gen.DeleteClassificationRequestObject) (gen.DeleteClassificationResponseObject, error) {
	return nil, errors.New("DeleteClassification: not built yet")
}

func (s *Server) MoveClassification(ctx context.Context, request gen.MoveClassificationRequestObject) (gen.MoveClassificationResponseObject, error) {
	return nil, errors.New("MoveClassification: not built yet")
}
