package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/user"
)

// orgCaller is the caller as seen from one organisation: their platform role (see platformCaller) and
// their membership there, if any, read for this request. Organisation roles are never taken from the
// token.
type orgCaller struct {
	user   user.User
	orgID  int64 // 0 when the path id cannot name an organisation (it overflows 64 bits)
	member *organisation.Membership
}

func (c orgCaller) isOrgAdmin() bool { return c.member != nil && c.member.IsOrgAdmin }

// canRead: members other than Ad hoc ones, and SafeShare administrators.
func (c orgCaller) canRead() bool {
	return c.user.SafeShareAdmin || (c.member != nil && (c.member.IsOrgAdmin || c.member.Role != organisation.RoleAdHoc))
}

// callerIn finds the caller's platform role and reads their membership of the organisation the path
// names. The spec has checked the id's shape; one that overflows 64 bits names no organisation.
func (s *Server) callerIn(ctx context.Context, rawID string) (orgCaller, error) {
	u, err := s.platformCaller(ctx)
	if err != nil {
		return orgCaller{}, err
	}
	c := orgCaller{user: u}
	if id, err := ids.Parse(rawID); err == nil {
		c.orgID = id
		m, err := s.Orgs.Membership(ctx, id, u.ID)
		switch {
		case err == nil:
			c.member = &m
		case !errors.Is(err, organisation.ErrNotMember):
			return orgCaller{}, err
		}
	}
	return c, nil
}

// platformCaller is the caller's account as far as platform roles go (id, email, SafeShare
// administrator). The role is an authority the access token carries, and an account that loses it has
// its tokens revoked in the same transaction (user.Service.SetSafeShareAdmin), so a token that carries it
// is believed without reading the account. A token that does not carry it may predate a grant, so the
// account is read then, and a grant takes effect at once.
func (s *Server) platformCaller(ctx context.Context) (user.User, error) {
	p, err := caller(ctx)
	if err != nil {
		return user.User{}, err
	}
	if slices.Contains(p.Authorities, user.AuthoritySafeShareAdmin) {
		return user.User{ID: p.UserID, Email: p.Email, SafeShareAdmin: true}, nil
	}
	return s.currentUser(ctx)
}

// requireSafeShareAdmin is the platform role check. It runs before any look-up of the target, so a
// caller without the role learns nothing about what exists (403 before 404).
func (s *Server) requireSafeShareAdmin(ctx context.Context) error {
	u, err := s.platformCaller(ctx)
	if err != nil {
		return err
	}
	if !u.SafeShareAdmin {
		return errNotSafeShareAdmin
	}
	return nil
}

// safeShareAdminCaller returns the caller's whole account, read now, if it holds the platform role: for
// the changes that record who made them (the two-person rule, role changes).
func (s *Server) safeShareAdminCaller(ctx context.Context) (user.User, error) {
	if err := s.requireSafeShareAdmin(ctx); err != nil {
		return user.User{}, err
	}
	u, err := s.currentUser(ctx)
	if err != nil {
		return user.User{}, err
	}
	if !u.SafeShareAdmin {
		return user.User{}, errNotSafeShareAdmin
	}
	return u, nil
}

var (
	errNotSafeShareAdmin = newProblem(http.StatusForbidden, "Only SafeShare administrators may do this.")
	errNotOrgAdmin       = newProblem(http.StatusForbidden, "Only administrators of this organisation may do this.")
	errCannotRead        = newProblem(http.StatusForbidden, "Only members of this organisation and SafeShare administrators may read it.")
)

// CreateOrganisation implements gen.StrictServerInterface.
func (s *Server) CreateOrganisation(ctx context.Context, req gen.CreateOrganisationRequestObject) (gen.CreateOrganisationResponseObject, error) {
	if err := s.requireSafeShareAdmin(ctx); err != nil {
		return nil, err
	}
	b := req.Body
	o, err := s.Orgs.Create(ctx, organisation.NewOrganisation{
		Name: b.Name, Quota: b.Quota, AdminEmail: string(b.AdminEmail), ContactEmail: string(b.ContactEmail), Description: b.Description,
	})
	if err != nil {
		return nil, err
	}
	loc := "/api/v1/organisations/" + ids.Format(o.ID)
	return gen.CreateOrganisation201JSONResponse{Body: organisationOut(o), Headers: gen.CreateOrganisation201ResponseHeaders{Location: &loc}}, nil
}

// ListOrganisations implements gen.StrictServerInterface.
func (s *Server) ListOrganisations(ctx context.Context, req gen.ListOrganisationsRequestObject) (gen.ListOrganisationsResponseObject, error) {
	if err := s.requireSafeShareAdmin(ctx); err != nil {
		return nil, err
	}
	p := req.Params
	page, err := s.Orgs.List(ctx, listQuery(p.Limit, p.Offset, p.OrderBy, p.SortBy, p.Search))
	if err != nil {
		return nil, err
	}
	return gen.ListOrganisations200JSONResponse(pageOut(page, organisationOut)), nil
}

// GetOrganisation implements gen.StrictServerInterface.
func (s *Server) GetOrganisation(ctx context.Context, req gen.GetOrganisationRequestObject) (gen.GetOrganisationResponseObject, error) {
	c, err := s.callerIn(ctx, req.OrgGroupId)
	if err != nil {
		return nil, err
	}
	if !c.canRead() {
		return nil, errCannotRead
	}
	o, err := s.Orgs.ByID(ctx, c.orgID)
	if err != nil {
		return nil, err
	}
	return gen.GetOrganisation200JSONResponse(organisationOut(o)), nil
}

// UpdateOrganisation implements gen.StrictServerInterface. Permissions are per member (the domain's
// rule, organisation.Service.Update): the body may name only members the caller may change, or nothing
// changes.
func (s *Server) UpdateOrganisation(ctx context.Context, req gen.UpdateOrganisationRequestObject) (gen.UpdateOrganisationResponseObject, error) {
	c, err := s.callerIn(ctx, req.OrgGroupId)
	if err != nil {
		return nil, err
	}
	if !c.isOrgAdmin() && !c.user.SafeShareAdmin {
		return nil, newProblem(http.StatusForbidden, "Only administrators of this organisation and SafeShare administrators may change it.")
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
		setAuditAction(ctx, "cancelOrganisationRemoval")
	} else {
		setAuditAction(ctx, "declineOrganisationRemoval")
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
