package httpapi

// Invitations and password reset: the "Forgot password?" page and its form, the page an emailed link
// (an invitation or a reset) opens and its form, and an administrator's resendInvitation. The rules are
// package passwordlink's.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/i18n"
	"github.com/cocoondata/access-service/internal/passwordlink"
	"github.com/cocoondata/access-service/internal/user"
)

const (
	forgotPath = pagesPath + "/password/forgot"
	// accountPage is where the done page sends people to sign in: without a session it is the sign-in
	// page, which comes back to it.
	accountPage = "/account"
)

// passwordPageData is what the password pages show.
type passwordPageData struct {
	pageData
	// ReturnTo is where the "Forgot password?" page links back to ("" for nowhere); Sent: the form was
	// sent.
	ReturnTo string
	Sent     bool
	// The link's page: its token, its account, the policy's bounds.
	Token, Account       string
	MinLength, MaxLength string
	// The done page.
	Invitation bool
	SignIn     string
}

func (h htmlResponse) VisitOpenForgotPasswordResponse(w http.ResponseWriter) error { return h.visit(w) }
func (h htmlResponse) VisitRequestPasswordResetResponse(w http.ResponseWriter) error {
	return h.visit(w)
}
func (h htmlResponse) VisitOpenPasswordLinkResponse(w http.ResponseWriter) error { return h.visit(w) }
func (h htmlResponse) VisitChoosePasswordResponse(w http.ResponseWriter) error   { return h.visit(w) }

// ForgotLink is the sign-in page's "Forgot password?" link: to the page asking for the address, which
// links back to the authorization request the sign-in page is for.
func (d pageData) ForgotLink() string {
	if d.Req.ClientID == "" {
		return forgotPath
	}
	return forgotPath + "?return_to=" + url.QueryEscape(authorizeURL(d.Req))
}

// returnToOK: a return_to is a path of this service's pages, never anywhere else (no open redirect):
// the authorization endpoint with its request (/api/oauth/authorize?...) or the account page, written
// as a plain path (no scheme, host, backslash, dot segment or control character).
func returnToOK(v string) bool {
	if v == accountPage {
		return true
	}
	const authorize = pagesPath + "/authorize?"
	if !strings.HasPrefix(v, authorize) || len(v) == len(authorize) || strings.ContainsAny(v, "\\#") ||
		strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return false
	}
	u, err := url.Parse(v)
	return err == nil && u.Scheme == "" && u.Host == "" && u.Path == pagesPath+"/authorize"
}

func (s *Server) badReturnTo(t i18n.Texts) htmlResponse {
	return errorPage(t, http.StatusBadRequest, t.Text("forgot.badReturn.title"), t.Text("forgot.badReturn.text"))
}

// OpenForgotPassword implements gen.StrictServerInterface.
func (s *Server) OpenForgotPassword(ctx context.Context, req gen.OpenForgotPasswordRequestObject) (gen.OpenForgotPasswordResponseObject, error) {
	t := s.pageTexts(ctx)
	returnTo := deref(req.Params.ReturnTo)
	if returnTo != "" && !returnToOK(returnTo) {
		return s.badReturnTo(t), nil
	}
	csrf, newCookie := s.csrfFor(req.Params.AccessCsrf)
	page, err := renderPage(http.StatusOK, "forgot.html", passwordPageData{
		pageData: pageData{T: t, Title: t.Text("forgot.title"), CSRF: csrf}, ReturnTo: returnTo})
	if newCookie != nil {
		page.cookies = append(page.cookies, newCookie)
	}
	return page, err
}

// RequestPasswordReset implements gen.StrictServerInterface. The answer is the same page whatever the
// address: the look-up and the email come after it (passwordlink.Service.RequestReset).
func (s *Server) RequestPasswordReset(ctx context.Context, req gen.RequestPasswordResetRequestObject) (gen.RequestPasswordResetResponseObject, error) {
	b := req.Body
	t := s.pageTexts(ctx)
	if !csrfOK(req.Params.AccessCsrf, b.CsrfToken) {
		return csrfRefused(t), nil
	}
	returnTo := deref(b.ReturnTo)
	if returnTo != "" && !returnToOK(returnTo) {
		return s.badReturnTo(t), nil
	}
	email := strings.TrimSpace(b.Email)
	s.PasswordLinks.RequestReset(ctx, email, t.Locale().Code)
	return renderPage(http.StatusOK, "forgot.html", passwordPageData{
		pageData: pageData{T: t, Title: t.Text("forgot.sent.title"), CSRF: *b.CsrfToken, Email: email}, ReturnTo: returnTo, Sent: true})
}

// passwordLinkUnusable is the page for a link that cannot be used (expired, used, unknown).
func passwordLinkUnusable(t i18n.Texts) htmlResponse {
	return errorPage(t, http.StatusBadRequest, t.Text("password.linkUnusable.title"), t.Text("password.linkUnusable.text"))
}

// OpenPasswordLink implements gen.StrictServerInterface.
func (s *Server) OpenPasswordLink(ctx context.Context, req gen.OpenPasswordLinkRequestObject) (gen.OpenPasswordLinkResponseObject, error) {
	csrf, newCookie := s.csrfFor(req.Params.AccessCsrf)
	page, err := s.choosePage(ctx, http.StatusOK, req.Params.Token, csrf, "")
	if err != nil {
		return nil, err
	}
	if newCookie != nil {
		page.cookies = append(page.cookies, newCookie)
	}
	return page, nil
}

// choosePage is the form of the link token (or the page for a link that cannot be used); problem is
// the error to show, if any.
func (s *Server) choosePage(ctx context.Context, status int, token, csrf, problem string) (htmlResponse, error) {
	t := s.pageTexts(ctx)
	o, err := s.PasswordLinks.Open(ctx, token)
	if passwordlink.IsUnusable(err) {
		return passwordLinkUnusable(t), nil
	}
	if err != nil {
		return htmlResponse{}, err
	}
	policy, err := s.Properties.PasswordPolicy(ctx)
	if err != nil {
		return htmlResponse{}, err
	}
	min, max := strconv.Itoa(policy.MinLength), strconv.Itoa(policy.MaxLength)
	title := t.Text("password.title.reset")
	if o.Purpose == passwordlink.Invitation {
		title = t.Text("password.title.invitation")
	}
	switch problem {
	case "password.error.policy":
		problem = t.Format(problem, "min", min, "max", max)
	case "":
	default:
		problem = t.Text(problem)
	}
	return renderPage(status, "choose-password.html", passwordPageData{
		pageData: pageData{T: t, Title: title, CSRF: csrf, Error: problem},
		Token:    token, Account: o.Email, MinLength: min, MaxLength: max})
}

// ChoosePassword implements gen.StrictServerInterface.
func (s *Server) ChoosePassword(ctx context.Context, req gen.ChoosePasswordRequestObject) (gen.ChoosePasswordResponseObject, error) {
	b := req.Body
	t := s.pageTexts(ctx)
	if !csrfOK(req.Params.AccessCsrf, b.CsrfToken) {
		return csrfRefused(t), nil
	}
	chosen, err := s.PasswordLinks.Choose(ctx, b.Token, b.Password, b.PasswordAgain)
	var pe *user.PolicyError
	switch {
	case passwordlink.IsUnusable(err):
		return passwordLinkUnusable(t), nil
	case errors.Is(err, passwordlink.ErrMismatch):
		return s.choosePage(ctx, http.StatusBadRequest, b.Token, *b.CsrfToken, "password.error.mismatch")
	case errors.As(err, &pe):
		return s.choosePage(ctx, http.StatusBadRequest, b.Token, *b.CsrfToken, "password.error.policy")
	case err != nil:
		return nil, err
	}
	return renderPage(http.StatusOK, "password-done.html", passwordPageData{
		pageData:   pageData{T: t, Title: t.Text("password.done.title")},
		Invitation: chosen.Purpose == passwordlink.Invitation, SignIn: accountPage})
}

// ResendInvitation implements gen.StrictServerInterface.
func (s *Server) ResendInvitation(ctx context.Context, req gen.ResendInvitationRequestObject) (gen.ResendInvitationResponseObject, error) {
	c, err := orgCallerFrom(ctx)
	if err != nil {
		return nil, err
	}
	userID := pathID(req.UserId) // one too large for an id is 0: no such member
	if _, err := s.Orgs.Membership(ctx, c.orgID, userID); err != nil {
		return nil, err
	}
	if err := s.PasswordLinks.Invite(ctx, userID, c.orgID); err != nil {
		return nil, err
	}
	return gen.ResendInvitation204Response{}, nil
}
