package httpapi

import (
	"context"
	"strconv"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/classification"
	"github.com/cocoondata/access-service/internal/ids"
)

// classificationOut is a classification as one read shows it, with its description; lists leave the
// description out (classificationListed).
func classificationOut(c classification.Classification) gen.Classification {
	out := classificationListed(c)
	out.Description = &c.Description
	return out
}

func classificationListed(c classification.Classification) gen.Classification {
	return gen.Classification{
		Id: ids.Format(c.ID), Name: gen.ClassificationName{Value: c.Name}, Priority: strconv.Itoa(c.Priority),
		ApplyI18n: c.ApplyI18n, CreatedAt: c.CreatedAt,
	}
}

// CreateClassification implements gen.StrictServerInterface.
func (s *Server) CreateClassification(ctx context.Context, req gen.CreateClassificationRequestObject) (gen.CreateClassificationResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	created, err := s.Classifications.Create(ctx, c.orgID, classification.New{
		Name: b.Name.Value, Description: derefOr(b.Description, ""), ApplyI18n: b.ApplyI18n != nil && *b.ApplyI18n,
	})
	if err != nil {
		return nil, err
	}
	return gen.CreateClassification200JSONResponse(classificationOut(created)), nil
}

// ListClassifications implements gen.StrictServerInterface.
func (s *Server) ListClassifications(ctx context.Context, req gen.ListClassificationsRequestObject) (gen.ListClassificationsResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	p := req.Params
	page, err := s.Classifications.List(ctx, c.orgID, listQuery(p.Limit, p.Offset, p.OrderBy, p.SortBy, noParam))
	if err != nil {
		return nil, err
	}
	return gen.ListClassifications200JSONResponse(pageOut(page, classificationListed)), nil
}

// GetClassification implements gen.StrictServerInterface.
func (s *Server) GetClassification(ctx context.Context, req gen.GetClassificationRequestObject) (gen.GetClassificationResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	got, err := s.Classifications.Get(ctx, c.orgID, pathID(req.LabelId))
	if err != nil {
		return nil, err
	}
	return gen.GetClassification200JSONResponse(classificationOut(got)), nil
}

// DeleteClassification implements gen.StrictServerInterface.
func (s *Server) DeleteClassification(ctx context.Context, req gen.DeleteClassificationRequestObject) (gen.DeleteClassificationResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.Classifications.Delete(ctx, c.orgID, pathID(req.LabelId)); err != nil {
		return nil, err
	}
	return gen.DeleteClassification200Response{}, nil
}

// MoveClassification implements gen.StrictServerInterface.
func (s *Server) MoveClassification(ctx context.Context, req gen.MoveClassificationRequestObject) (gen.MoveClassificationResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	d := classification.Up
	if req.Body.Direction == gen.Down {
		d = classification.Down
	}
	moved, err := s.Classifications.Move(ctx, c.orgID, pathID(req.LabelId), d)
	if err != nil {
		return nil, err
	}
	return gen.MoveClassification200JSONResponse(classificationOut(moved)), nil
}
