package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/whitelist"
)

// ruleEvent is what happened to a whitelist rule: one record per rule, whichever endpoint changed it,
// under the operation named here and the action of what happened to the rule (a rule deleted through
// the bulk delete, a POST, is DELETED like one deleted by DELETE).
type ruleEvent struct{ operation, action string }

var (
	ruleAdded     = ruleEvent{"whitelistRuleAdded", audit.ActionCreated}
	ruleDescribed = ruleEvent{"whitelistRuleDescribed", audit.ActionUpdated}
	ruleDeleted   = ruleEvent{"whitelistRuleDeleted", audit.ActionDeleted}
	ruleRead      = ruleEvent{"whitelistRuleRead", audit.ActionRetrieved}
)

// auditRules records what happened to each rule, in its organisation's trail, with the acting user.
func (s *Server) auditRules(ctx context.Context, method string, status int, event ruleEvent, rules []whitelist.Rule) {
	st := stateFrom(ctx)
	p, _ := st.validatedPrincipal()
	remote := st.remoteAddr()
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditWait)
	defer cancel()
	for _, r := range rules {
		orgID, userID, email, client := r.OrganisationID, p.UserID, p.Email, p.ClientID
		rec := audit.Record{
			OrganisationID: &orgID, UserID: &userID, UserEmail: &email, ClientID: &client,
			Method: method, Path: fmt.Sprintf("%s%d/userwhitelist/%d", organisationsPrefix, r.OrganisationID, r.ID),
			Status: status, RemoteAddress: remote, Action: event.action, Category: audit.CategoryWhitelist, Operation: event.operation,
		}
		if err := s.Audit.Add(actx, rec); err != nil {
			loggerFrom(ctx, s.log).Error("audit record not written", "error", err.Error(), "operation", event.operation)
		}
	}
}

func ruleOut(r whitelist.Rule) gen.WhitelistRule {
	return gen.WhitelistRule{Id: ids.Format(r.ID), Pattern: r.Pattern.Text, Description: r.Description, CreatedAt: r.CreatedAt}
}

func derefOr(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

// AddWhitelistRules implements gen.StrictServerInterface.
func (s *Server) AddWhitelistRules(ctx context.Context, req gen.AddWhitelistRulesRequestObject) (gen.AddWhitelistRulesResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	items := make([]whitelist.NewRule, len(req.Body.Items))
	for i, it := range req.Body.Items {
		items[i] = whitelist.NewRule{Pattern: it.Pattern, Description: derefOr(it.Description, "")}
	}
	rules, err := s.Whitelist.Add(ctx, c.orgID, items)
	if err != nil {
		return nil, err
	}
	s.auditRules(ctx, http.MethodPost, http.StatusOK, ruleAdded, rules)
	out := make([]gen.WhitelistRule, len(rules))
	for i, r := range rules {
		out[i] = ruleOut(r)
	}
	return gen.AddWhitelistRules200JSONResponse{Items: out}, nil
}

// ListWhitelistRules implements gen.StrictServerInterface.
func (s *Server) ListWhitelistRules(ctx context.Context, req gen.ListWhitelistRulesRequestObject) (gen.ListWhitelistRulesResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	p := req.Params
	page, err := s.Whitelist.List(ctx, c.orgID, listQuery(p.Limit, p.Offset, p.OrderBy, p.SortBy, noParam))
	if err != nil {
		return nil, err
	}
	e := pageOut(page, ruleOut)
	// The whitelist is on exactly while the organisation has a rule: the count says so.
	return gen.ListWhitelistRules200JSONResponse{Items: e.Items, Count: e.Count, Offset: e.Offset, Enabled: e.Count > 0}, nil
}

// DescribeWhitelistRule implements gen.StrictServerInterface.
func (s *Server) DescribeWhitelistRule(ctx context.Context, req gen.DescribeWhitelistRuleRequestObject) (gen.DescribeWhitelistRuleResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.Whitelist.Describe(ctx, c.orgID, pathID(req.WhitelistId), req.Body.Description)
	if err != nil {
		return nil, err
	}
	s.auditRules(ctx, http.MethodPut, http.StatusOK, ruleDescribed, []whitelist.Rule{r})
	return gen.DescribeWhitelistRule200JSONResponse(ruleOut(r)), nil
}

// DeleteWhitelistRule implements gen.StrictServerInterface.
func (s *Server) DeleteWhitelistRule(ctx context.Context, req gen.DeleteWhitelistRuleRequestObject) (gen.DeleteWhitelistRuleResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	deleted, err := s.Whitelist.Delete(ctx, c.orgID, []int64{pathID(req.WhitelistId)})
	if err != nil {
		return nil, err
	}
	s.auditRules(ctx, http.MethodDelete, http.StatusOK, ruleDeleted, deleted)
	return gen.DeleteWhitelistRule200Response{}, nil
}

// CheckWhitelistChange implements gen.StrictServerInterface.
func (s *Server) CheckWhitelistChange(ctx context.Context, req gen.CheckWhitelistChangeRequestObject) (gen.CheckWhitelistChangeResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	wrongShape := &problem{status: http.StatusBadRequest, title: validationTitle,
		detail: "For action add every item has a pattern and no id; for action delete, an id and no pattern."}
	var changes []whitelist.Change
	if b.Action == gen.WhitelistCheckRequestActionAdd {
		items := make([]whitelist.NewRule, len(b.Items))
		for i, it := range b.Items {
			if it.Pattern == nil || it.Id != nil {
				wrongShape.fields = append(wrongShape.fields, gen.FieldError{Field: fmt.Sprintf("items[%d]", i), Message: "needs a pattern and no id"})
				continue
			}
			items[i] = whitelist.NewRule{Pattern: *it.Pattern}
		}
		if len(wrongShape.fields) > 0 {
			return nil, wrongShape
		}
		changes, err = s.Whitelist.CheckAdd(ctx, c.orgID, items)
	} else {
		ruleIDs := make([]int64, len(b.Items))
		for i, it := range b.Items {
			if it.Id == nil || it.Pattern != nil {
				wrongShape.fields = append(wrongShape.fields, gen.FieldError{Field: fmt.Sprintf("items[%d]", i), Message: "needs an id and no pattern"})
				continue
			}
			ruleIDs[i] = pathID(*it.Id)
		}
		if len(wrongShape.fields) > 0 {
			return nil, wrongShape
		}
		changes, err = s.Whitelist.CheckDelete(ctx, c.orgID, ruleIDs)
	}
	if err != nil {
		return nil, err
	}
	out := make([]gen.WhitelistCheckMember, len(changes))
	for i, ch := range changes {
		out[i] = gen.WhitelistCheckMember{Id: ids.Format(ch.UserID), Email: ch.Email, FirstName: ch.FirstName, LastName: ch.LastName, Shareable: ch.Shareable}
	}
	return gen.CheckWhitelistChange200JSONResponse{Items: out, Count: len(out)}, nil
}

// GetWhitelistRuleDeprecated implements gen.StrictServerInterface.
func (s *Server) GetWhitelistRuleDeprecated(ctx context.Context, req gen.GetWhitelistRuleDeprecatedRequestObject) (gen.GetWhitelistRuleDeprecatedResponseObject, error) {
	r, err := s.Whitelist.Rule(ctx, pathID(req.ObjectId))
	if err != nil {
		return nil, err
	}
	s.auditRules(ctx, http.MethodGet, http.StatusOK, ruleRead, []whitelist.Rule{r})
	return gen.GetWhitelistRuleDeprecated200JSONResponse{Body: gen.LegacyWhitelistRule{
		Id: ids.Format(r.ID), Pattern: r.Pattern.Text, Description: r.Description,
	}}, nil
}

// BulkDeleteWhitelistRules implements gen.StrictServerInterface.
func (s *Server) BulkDeleteWhitelistRules(ctx context.Context, req gen.BulkDeleteWhitelistRulesRequestObject) (gen.BulkDeleteWhitelistRulesResponseObject, error) {
	ruleIDs := make([]int64, len(req.Body.Ids))
	for i, raw := range req.Body.Ids {
		ruleIDs[i] = pathID(raw)
	}
	deleted, err := s.Whitelist.Delete(ctx, 0, ruleIDs)
	var items errs.Items
	if errors.As(err, &items) {
		return nil, items.Named(func(e *errs.ItemError) string { return fmt.Sprintf("ids[%d]", e.Index) })
	}
	if err != nil {
		return nil, err
	}
	s.auditRules(ctx, http.MethodPost, http.StatusOK, ruleDeleted, deleted)
	return gen.BulkDeleteWhitelistRules200Response{}, nil
}
