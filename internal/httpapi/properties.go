package httpapi

// The platform properties (GET /api/v1/config/server, GET | PUT /api/v1/config/server/{configId}).
// The access step has let only SafeShare administrators through.

import (
	"context"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/property"
)

// ListServerProperties implements gen.StrictServerInterface.
func (s *Server) ListServerProperties(ctx context.Context, req gen.ListServerPropertiesRequestObject) (gen.ListServerPropertiesResponseObject, error) {
	p := req.Params
	page, err := s.Properties.List(ctx, listQuery(p.Limit, p.Offset, p.OrderBy, p.SortBy, p.Search))
	if err != nil {
		return nil, err
	}
	return gen.ListServerProperties200JSONResponse(pageOut(page, propertyOut)), nil
}

// GetServerProperty implements gen.StrictServerInterface.
func (s *Server) GetServerProperty(ctx context.Context, req gen.GetServerPropertyRequestObject) (gen.GetServerPropertyResponseObject, error) {
	p, err := s.Properties.Property(ctx, pathID(req.ConfigId))
	if err != nil {
		return nil, err
	}
	return gen.GetServerProperty200JSONResponse(propertyOut(p)), nil
}

// SetServerProperty implements gen.StrictServerInterface. The body {} (no propertyValue) changes
// nothing and answers the property as it is.
func (s *Server) SetServerProperty(ctx context.Context, req gen.SetServerPropertyRequestObject) (gen.SetServerPropertyResponseObject, error) {
	p, err := s.Properties.Set(ctx, pathID(req.ConfigId), req.Body.PropertyValue)
	if err != nil {
		return nil, err
	}
	return gen.SetServerProperty200JSONResponse(propertyOut(p)), nil
}

func propertyOut(p property.Property) gen.ServerProperty {
	group := gen.Server
	if p.Public {
		group = gen.Public
	}
	return gen.ServerProperty{Id: ids.Format(p.ID), PropertyName: p.Name, PropertyValue: p.Value,
		PropertyDescription: p.Description, Grouping: p.Grouping, ConfigGroup: group,
		ValueType: gen.ServerPropertyValueType(p.Kind), Modified: p.Modified}
}
