package httpapi

import (
	"context"
	// UpdateOrganisation implements gen.StrictServerInterface. The access step lets through the
	// organisation's administrators and SafeShare administrators; permissions are then per member (the
	// domain's rule, organisation.Service.Update): the body may name only members the caller may change, or
	// nothing changes.

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/organisation"
)

// CreateOrganisation implements gen.StrictServerInterface.
func (s *Server) CreateOrganisation(ctx context.Context, req gen.CreateOrganisationRequestObject) (gen.CreateOrganisationResponseObject, error) {
	b := req.Body
	o, err := s.Orgs.Create(ctx, organisation.NewOrganisation{
		Name: b.Name, Quota: b.Quota, AdminEmail: string(b.AdminEmail), ContactEmail: string(b.ContactEmail), Description: b.Description,
	})
	if err != nil {
		return nil, err
	}
	loc := "/api/v1/organisations/" + ids.Format(o.ID)
	return gen.CreateOrganisation200JSONResponse{Body: organisationOut(o), Headers: gen.CreateOrganisation200ResponseHeaders{Location: &loc}}, nil
}

// ListOrganisations implements gen.StrictServerInterface.
func (s *Server) ListOrganisations(ctx context.Context, req gen.ListOrganisationsRequestObject) (gen.ListOrganisationsResponseObject, error) {
	p := req.Params
	page, err := s.Orgs.List(ctx, listQuery(p.Limit, p.Offset, p.OrderBy, p.SortBy, p.Search))
	if err != nil {
		return nil, err
	}
	return gen.ListOrganisations200JSONResponse(pageOut(page, organisationOut)), nil
}

// GetOrganisation implements gen.StrictServerInterface.
func (s *Server) GetOrganisation(ctx context.Context, _ gen.GetOrganisationRequestObject) (gen.GetOrganisationResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.Orgs.ByID(ctx, c.orgID)
	if err != nil {
		return nil, err
	}
	return gen.GetOrganisation200JSONResponse(organisationOut(o)), nil
}

// UpdateOrganisation implements gen.StrictServerInterface. The access step lets through the
// organisation's administrators and SafeShare administrators; permissions are then per member (the
// domain's rule, organisation.Service.Update): the body may name only members the caller may change, or
// nothing changes.
func (s *Server) UpdateOrganisation(ctx context.Context, req gen.UpdateOrganisationRequestObject) (gen.UpdateOrganisationResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	by := organisation.Actor{UserID: c.user.ID, Email: c.user.Email, SafeShareAdmin: c.user.SafeShareAdmin, OrgAdmin: c.isOrgAdmin()}
	o, err := s.Orgs.Update(ctx, by, c.orgID, organisation.Changes{
		Name: b.Name, Quota: b.Quota, AdminEmail: (*string)(b.AdminEmail), ContactEmail: (*string)(b.ContactEmail),
		Description: b.Description, EnforceMFA: b.EnforceMfa, AddressbookEnabled: b.AddressbookEnabled,
		WatermarkingEnabled: b.WatermarkingEnabled, I18nDefault: b.I18nDefaultAsString, SupportURL: b.SupportUrl,
		CompanyName: b.CompanyName, LegalURL: b.LegalUrl, WebappHelpURL: b.WebappHelpUrl, OrgAdminHelpURL: b.OrgAdminHelpUrl,
		PrivacyURL: b.PrivacyUrl, UserMessage: b.UserMessage,
	})
	if err != nil {
		return nil, err
	}
	return gen.UpdateOrganisation200JSONResponse(organisationOut(o)), nil
}

// DeleteOrganisation implements gen.StrictServerInterface: the second half of the two-person rule.
func (s *Server) DeleteOrganisation(ctx context.Context, req gen.DeleteOrganisationRequestObject) (gen.DeleteOrganisationResponseObject, error) {
	u, err := s.safeShareAdminCaller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Orgs.Remove(ctx, pathID(req.OrgGroupId), u); err != nil {
		return nil, err
	}
	return gen.DeleteOrganisation200Response{}, nil
}

// RequestOrganisationRemoval implements gen.StrictServerInterface.
func (s *Server) RequestOrganisationRemoval(ctx context.Context, req gen.RequestOrganisationRemovalRequestObject) (gen.RequestOrganisationRemovalResponseObject, error) {
	u, err := s.safeShareAdminCaller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.Orgs.RequestRemoval(ctx, pathID(req.OrganisationId), u, req.Body.NotifyContact)
	if err != nil {
		return nil, err
	}
	loc := "/api/v1/organisations/" + ids.Format(r.OrganisationID) + "/removalRequest"
	return gen.RequestOrganisationRemoval201JSONResponse{Body: removalOut(r), Headers: gen.RequestOrganisationRemoval201ResponseHeaders{Location: &loc}}, nil
}

// WithdrawOrganisationRemoval implements gen.StrictServerInterface. The audit record says whether the
// request was cancelled (by its requester) or declined (by another administrator).
func (s *Server) WithdrawOrganisationRemoval(ctx context.Context, req gen.WithdrawOrganisationRemovalRequestObject) (gen.WithdrawOrganisationRemovalResponseObject, error) {
	u, err := s.safeShareAdminCaller(ctx)
	if err != nil {
		return nil, err
	}
	r, outcome, err := s.Orgs.WithdrawRemoval(ctx, pathID(req.OrganisationId), u)
	if err != nil {
		return nil, err
	}
	if outcome == organisation.Cancelled {
		setAuditOperation(ctx, "cancelOrganisationRemoval")
	} else {
		setAuditOperation(ctx, "declineOrganisationRemoval")
	}
	return gen.WithdrawOrganisationRemoval200JSONResponse{Outcome: gen.RemovalWithdrawalOutcome(outcome), RemovalRequest: removalOut(r)}, nil
}

// pathID reads a path id the spec has checked; one that overflows 64 bits names nothing (0).
func pathID(raw string) int64 {
	id, err := ids.Parse(raw)
	if err != nil {
		return 0
	}
	return id
}

func organisationOut(o organisation.Organisation) gen.Organisation {
	out := gen.Organisation{
		Id: ids.Format(o.ID), Name: o.Name, Description: o.Description, Quota: o.Quota,
		AdminEmail: openapi_types.Email(o.AdminEmail), ContactEmail: openapi_types.Email(o.ContactEmail),
		EnforceMfa: o.EnforceMFA, AddressbookEnabled: o.AddressbookEnabled, WatermarkingEnabled: o.WatermarkingEnabled,
		I18nDefaultAsString: o.I18nDefault, SupportUrl: o.SupportURL, CompanyName: o.CompanyName, LegalUrl: o.LegalURL,
		WebappHelpUrl: o.WebappHelpURL, OrgAdminHelpUrl: o.OrgAdminHelpURL, PrivacyUrl: o.PrivacyURL,
		UserMessage: o.UserMessage, CreatedAt: o.CreatedAt, WhitelistEnabled: o.WhitelistEnabled,
	}
	if o.RemovalRequest != nil {
		r := removalOut(*o.RemovalRequest)
		out.OrganisationRemovalRequest = &r
	}
	return out
}

func removalOut(r organisation.RemovalRequest) gen.RemovalRequest {
	return gen.RemovalRequest{
		Id: ids.Format(r.ID), RequestedAt: r.RequestedAt, NotifyContact: r.NotifyContact,
		RequestedBy: gen.UserRef{Id: ids.Format(r.RequestedByID), Email: openapi_types.Email(r.RequestedByEmail)},
	}
}
