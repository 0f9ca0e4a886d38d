package httpapi

// Sign-out (OpenID Connect RP-initiated logout and the pages' "Sign out" button) and the account page
// (/account): profile, approved apps, MFA, sessions. The sign-in pages themselves are authorize.go's;
// signing in to a page of the service (return_to) is here.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/i18n"
	"github.com/cocoondata/access-service/internal/mfa"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/user"
)

const accountPath = "/account"

func (h htmlResponse) VisitStartSignOutResponse(w http.ResponseWriter) error   { return h.visit(w) }
func (h htmlResponse) VisitSignOutResponse(w http.ResponseWriter) error        { return h.visit(w) }
func (h htmlResponse) VisitGetAccountPageResponse(w http.ResponseWriter) error { return h.visit(w) }
func (h htmlResponse) VisitRevokeAccountAppResponse(w http.ResponseWriter) error {
	return h.visit(w)
}
func (h htmlResponse) VisitEndAccountSessionsResponse(w http.ResponseWriter) error {
	return h.visit(w)
}
func (h htmlResponse) VisitSetUpAccountMfaResponse(w http.ResponseWriter) error { return h.visit(w) }

// isAccountPath: the account page and its forms, whose errors are HTML pages like the sign-in pages'.
func isAccountPath(path string) bool {
	return path == accountPath || strings.HasPrefix(path, accountPath+"/")
}

// accountView is what the account page shows of the signed-in person.
type accountView struct {
	Name, Email                string
	Apps                       []accountApp
	MFARequired, MFAConfigured bool
}

type accountApp struct{ ClientID, AppName, Scopes string }

// signOutRequest is what the sign-out confirmation page's form repeats.
type signOutRequest struct{ ClientID, PostLogoutRedirectURI, State string }

// validReturnTo: the page a sign-in form may return to instead of an authorization request. Only the
// account page for now: a fixed path, so the sign-in can never redirect anywhere else.
func validReturnTo(s string) bool { return s == accountPath }

// safeNext is where a sign-out form's next may send the browser: the account page, or an authorization
// request of this service (for "Not you?"), rewritten from its parsed query so that nothing in it can
// name another host (//evil.example, /\evil.example, encoded slashes). "" when next is none of these.
func safeNext(next string) string {
	if next == accountPath {
		return accountPath
	}
	const authorize = pagesPath + "/authorize?"
	if !strings.HasPrefix(next, authorize) || strings.ContainsAny(next, "\\\r\n\t ") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Path != pagesPath+"/authorize" || u.Fragment != "" {
		return ""
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil || len(q) == 0 {
		return ""
	}
	return authorize + q.Encode()
}

// withState adds state (when there is one) to a registered post-logout redirect URI's query.
func withState(uri, state string) string {
	if state == "" {
		return uri
	}
	u, err := url.Parse(uri)
	if err != nil { // registered URIs parse; this is only a guard
		return uri
	}
	q := u.Query()
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String()
}

// signedOutCookies clear the session cookie, at "/" and at the path it had before the account page
// (/api/oauth), so a browser holding either is signed out.
func (s *Server) signedOutCookies() []*http.Cookie {
	old := s.cookie(sessionCookie, "", -1)
	old.Path = pagesPath
	return []*http.Cookie{s.cookie(sessionCookie, "", -1), old}
}

// signedOut is the answer once the session has ended: the browser sent to target (303) when there is
// one, else the signed-out page; either clears the session cookie.
func (s *Server) signedOut(ctx context.Context, target string) htmlResponse {
	if target != "" {
		resp := redirect(http.StatusSeeOther, target)
		resp.cookies = s.signedOutCookies()
		return resp
	}
	t := s.pageTexts(ctx)
	page, _ := renderPage(http.StatusOK, "signedout.html", pageData{T: t, Title: t.Text("signOut.done.title")})
	page.cookies = s.signedOutCookies()
	return page
}

// postLogoutTarget notes the app clientID names (the one asking for the sign-out) in the audit trail
// and checks a post_logout_redirect_uri against it: "" without one; a 400 page when it is not
// registered on that (enabled) app, or no app is named.
func (s *Server) postLogoutTarget(ctx context.Context, t i18n.Texts, clientID, uri, state string) (string, *htmlResponse, error) {
	if clientID != "" {
		noteClient(ctx, clientID)
	}
	if uri == "" {
		return "", nil, nil
	}
	refused := errorPage(t, http.StatusBadRequest, t.Text("error.request.title"), t.Text("signOut.error.badRedirect"))
	if clientID == "" {
		return "", &refused, nil
	}
	app, err := s.Apps.ByClientID(ctx, clientID)
	if errors.Is(err, clientapp.ErrNotFound) || (err == nil && (!app.Enabled || !app.RegisteredPostLogoutRedirect(uri))) {
		return "", &refused, nil
	}
	if err != nil {
		return "", nil, err
	}
	return withState(uri, state), nil, nil
}

// StartSignOut implements gen.StrictServerInterface: the end-session endpoint.
func (s *Server) StartSignOut(ctx context.Context, req gen.StartSignOutRequestObject) (gen.StartSignOutResponseObject, error) {
	p := req.Params
	t := s.pageTexts(ctx)
	var hint *oauth.IDTokenHint
	if raw := deref(p.IdTokenHint); raw != "" {
		// A hint this service did not issue names nobody: the user is asked to confirm.
		if h, err := oauth.ParseIDTokenHint(ctx, s.Keys, s.Issuer, raw); err == nil {
			hint = &h
		}
	}
	clientID := deref(p.ClientId)
	if hint != nil {
		if clientID != "" && clientID != hint.ClientID {
			return errorPage(t, http.StatusBadRequest, t.Text("error.request.title"), t.Text("signOut.error.mismatch")), nil
		}
		clientID = hint.ClientID
	}
	target, refused, err := s.postLogoutTarget(ctx, t, clientID, deref(p.PostLogoutRedirectUri), deref(p.State))
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return *refused, nil
	}
	session := deref(p.AccessSession)
	u, err := s.Grants.SessionUser(ctx, session)
	signedIn := err == nil
	if err != nil && !errors.Is(err, oauth.ErrSessionInvalid) {
		return nil, err
	}
	if signedIn && (hint == nil || hint.UserID != u.ID) {
		// Without a hint naming this user, another site could sign the user out by linking here: ask.
		csrf, newCookie := s.csrfFor(p.AccessCsrf)
		page, err := renderPage(http.StatusOK, "signout-confirm.html", pageData{T: t, Title: t.Text("signOut.confirm.title"), CSRF: csrf,
			UserEmail: u.Email, SignOut: &signOutRequest{ClientID: clientID, PostLogoutRedirectURI: deref(p.PostLogoutRedirectUri), State: deref(p.State)}})
		if newCookie != nil {
			page.cookies = append(page.cookies, newCookie)
		}
		return page, err
	}
	if signedIn {
		if err := s.Grants.EndSession(ctx, session); err != nil {
			return nil, err
		}
		noteSignIn(ctx, "startSignOut", u.Email, u.ID) // who signed out
	}
	return s.signedOut(ctx, target), nil
}

// SignOut implements gen.StrictServerInterface: the "Sign out" button and the confirmation page's form.
func (s *Server) SignOut(ctx context.Context, req gen.SignOutRequestObject) (gen.SignOutResponseObject, error) {
	b := req.Body
	t := s.pageTexts(ctx)
	if !csrfOK(req.Params.AccessCsrf, b.CsrfToken) {
		return csrfRefused(t), nil
	}
	// Checked before anything ends: a refused request changes nothing.
	target, refused, err := s.postLogoutTarget(ctx, t, deref(b.ClientId), deref(b.PostLogoutRedirectUri), deref(b.State))
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return *refused, nil
	}
	session := deref(req.Params.AccessSession)
	if u, err := s.Grants.SessionUser(ctx, session); err == nil {
		noteSignIn(ctx, "signOut", u.Email, u.ID) // who signed out
	}
	if err := s.Grants.EndSession(ctx, session); err != nil {
		return nil, err
	}
	if target == "" {
		target = safeNext(deref(b.Next))
	}
	return s.signedOut(ctx, target), nil
}

// accountSignIn is the sign-in page that returns to the account page.
func (s *Server) accountSignIn(ctx context.Context, status int, csrf, email, problem string) htmlResponse {
	t := s.pageTexts(ctx)
	page, _ := renderPage(status, "signin.html", pageData{T: t, Title: t.Text("signIn.title"), CSRF: csrf, ReturnTo: accountPath,
		AppName: t.Text("account.continueTo"), Email: email, Error: errorText(t, problem)})
	return page
}

// accountPage renders the account page for the signed-in user; problem is the key of an error to show.
func (s *Server) accountPage(ctx context.Context, status int, u user.User, csrf, problem string) (htmlResponse, error) {
	t := s.pageTexts(ctx)
	v := accountView{Email: u.Email, Name: strings.TrimSpace(deref(u.FirstName) + " " + deref(u.LastName))}
	approvals, err := s.Grants.Approvals(ctx, u.ID)
	if err != nil {
		return htmlResponse{}, err
	}
	for _, a := range approvals {
		v.Apps = append(v.Apps, accountApp{ClientID: a.ClientID, AppName: a.AppName, Scopes: strings.Join(a.Scope, ", ")})
	}
	st, err := s.MFA.StateOf(ctx, u.ID, u.MFAEnabled)
	if err != nil {
		return htmlResponse{}, err
	}
	v.MFARequired, v.MFAConfigured = st.Required, st.Configured
	return renderPage(status, "account.html", pageData{T: t, Title: t.Text("account.title"), CSRF: csrf, SignedIn: true,
		UserEmail: u.Email, Account: &v, Error: errorText(t, problem)})
}

// GetAccountPage implements gen.StrictServerInterface.
func (s *Server) GetAccountPage(ctx context.Context, req gen.GetAccountPageRequestObject) (gen.GetAccountPageResponseObject, error) {
	p := req.Params
	csrf, newCookie := s.csrfFor(p.AccessCsrf)
	var page htmlResponse
	u, err := s.Grants.SessionUser(ctx, deref(p.AccessSession))
	switch {
	case errors.Is(err, oauth.ErrSessionInvalid):
		page = s.accountSignIn(ctx, http.StatusOK, csrf, "", "")
	case err != nil:
		return nil, err
	default:
		if page, err = s.accountPage(ctx, http.StatusOK, u.User, csrf, ""); err != nil {
			return nil, err
		}
	}
	if newCookie != nil {
		page.cookies = append(page.cookies, newCookie)
	}
	return page, nil
}

// accountForm checks an account page form: its CSRF token (a 403 page), then the session (without one,
// back to the account page, which asks to sign in). refused is the answer to give when not nil.
func (s *Server) accountForm(ctx context.Context, csrfCookie, csrfForm, session *string) (oauth.SignedIn, *htmlResponse, error) {
	if !csrfOK(csrfCookie, csrfForm) {
		refused := csrfRefused(s.pageTexts(ctx))
		return oauth.SignedIn{}, &refused, nil
	}
	u, err := s.Grants.SessionUser(ctx, deref(session))
	if errors.Is(err, oauth.ErrSessionInvalid) {
		back := redirect(http.StatusSeeOther, accountPath)
		return oauth.SignedIn{}, &back, nil
	}
	return u, nil, err
}

// RevokeAccountApp implements gen.StrictServerInterface.
func (s *Server) RevokeAccountApp(ctx context.Context, req gen.RevokeAccountAppRequestObject) (gen.RevokeAccountAppResponseObject, error) {
	b := req.Body
	u, refused, err := s.accountForm(ctx, req.Params.AccessCsrf, b.CsrfToken, req.Params.AccessSession)
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return *refused, nil
	}
	noteClient(ctx, b.ClientId)
	// The API's revocation (revokeMyApproval): refresh tokens, codes and access tokens end at once.
	err = s.Grants.RevokeApprovalOfApp(ctx, u.ID, b.ClientId)
	if errors.Is(err, oauth.ErrApprovalNotFound) {
		t := s.pageTexts(ctx)
		return errorPage(t, http.StatusBadRequest, t.Text("account.error.noApproval.title"), t.Text("account.error.noApproval.text")), nil
	}
	if err != nil {
		return nil, err
	}
	return redirect(http.StatusSeeOther, accountPath), nil
}

// EndAccountSessions implements gen.StrictServerInterface.
func (s *Server) EndAccountSessions(ctx context.Context, req gen.EndAccountSessionsRequestObject) (gen.EndAccountSessionsResponseObject, error) {
	u, refused, err := s.accountForm(ctx, req.Params.AccessCsrf, req.Body.CsrfToken, req.Params.AccessSession)
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return *refused, nil
	}
	if err := s.Grants.EndEverySession(ctx, u.ID); err != nil {
		return nil, err
	}
	return s.signedOut(ctx, ""), nil
}

// SetUpAccountMfa implements gen.StrictServerInterface: with no authenticator, the set-up page of a new
// set-up link; with one, a current code of it unpairs it first. A wrong code counts towards the
// account's lockout like a wrong sign-in code (and a locked account's code is not even checked).
func (s *Server) SetUpAccountMfa(ctx context.Context, req gen.SetUpAccountMfaRequestObject) (gen.SetUpAccountMfaResponseObject, error) {
	b := req.Body
	signedIn, refused, err := s.accountForm(ctx, req.Params.AccessCsrf, b.CsrfToken, req.Params.AccessSession)
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return *refused, nil
	}
	u := signedIn.User
	st, err := s.MFA.Status(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if st.Configured {
		addr := stateFrom(ctx).remoteAddr()
		locked, err := s.Users.SecondFactorLocked(ctx, u, addr)
		if err != nil {
			return nil, err
		}
		wrong := locked
		if !locked {
			err := s.MFA.Verify(ctx, u.ID, deref(b.Code))
			switch {
			case errors.Is(err, mfa.ErrWrongCode), errors.Is(err, mfa.ErrReplayed), errors.Is(err, mfa.ErrNotConfigured):
				wrong = true
				if err := s.Users.SecondFactorFailed(ctx, u.ID, addr); err != nil {
					return nil, err
				}
			case err != nil:
				return nil, err
			}
		}
		noteSignIn(ctx, "setUpAccountMfa", u.Email, u.ID)
		if wrong {
			noteSignInOutcome(ctx, audit.SignInFailed)
			return s.accountPage(ctx, http.StatusUnauthorized, u, *b.CsrfToken, "account.mfa.wrongCode")
		}
	}
	// The old authenticator stays until the new one is paired (an abandoned reset leaves the person able
	// to sign in); a set-up nobody required turns MFA on when it is completed: the person chose it.
	required, _, err := s.MFA.Required(ctx, u.ID, u.MFAEnabled)
	if err != nil {
		return nil, err
	}
	token, err := s.MFA.NewOwnSetupLink(ctx, u.ID, !required)
	if err != nil {
		return nil, err
	}
	return redirect(http.StatusSeeOther, pagesPath+"/mfa/setup?"+url.Values{"token": {token}}.Encode()), nil
}

// signInToPage is the sign-in form for a page of the service (return_to) rather than an authorization
// request: the same credentials check, lockout and MFA step, then back to that page.
func (s *Server) signInToPage(ctx context.Context, req gen.SignInRequestObject) (gen.SignInResponseObject, error) {
	b := req.Body
	t := s.pageTexts(ctx)
	if !csrfOK(req.Params.AccessCsrf, b.CsrfToken) {
		return csrfRefused(t), nil
	}
	if !validReturnTo(*b.ReturnTo) {
		return errorPage(t, http.StatusBadRequest, t.Text("error.request.title"), t.Text("account.error.badReturnTo.text")), nil
	}
	// No app: the session is the service's own; the MFA step is bound to "no app" likewise.
	res, err := s.Grants.SignIn(ctx, clientapp.App{}, b.Username, b.Password, stateFrom(ctx).remoteAddr())
	s.noteSignInPage(ctx, b.Username, res, err)
	msg, err := signInRefusal(err)
	if err != nil {
		return nil, err
	}
	if msg != "" {
		return s.accountSignIn(ctx, http.StatusUnauthorized, *b.CsrfToken, b.Username, msg), nil
	}
	if res.MFAToken != "" {
		page, err := renderPage(http.StatusOK, "mfa.html", pageData{T: t, Title: t.Text("mfaCode.title"), CSRF: *b.CsrfToken, ReturnTo: accountPath,
			AppName: t.Text("account.continueTo")})
		page.cookies = []*http.Cookie{s.cookie(mfaCookie, res.MFAToken, int(oauth.RestrictiveLifetime.Seconds()))}
		return page, err
	}
	resp := redirect(http.StatusSeeOther, accountPath)
	resp.cookies = []*http.Cookie{s.cookie(sessionCookie, res.Session, int(oauth.SessionLifetime.Seconds()))}
	return resp, nil
}

// verifyCodeToPage is the code page's form for a sign-in to a page of the service (return_to).
func (s *Server) verifyCodeToPage(ctx context.Context, req gen.VerifySignInCodeRequestObject) (gen.VerifySignInCodeResponseObject, error) {
	b := req.Body
	t := s.pageTexts(ctx)
	if !csrfOK(req.Params.AccessCsrf, b.CsrfToken) {
		return csrfRefused(t), nil
	}
	if !validReturnTo(*b.ReturnTo) {
		return errorPage(t, http.StatusBadRequest, t.Text("error.request.title"), t.Text("account.error.badReturnTo.text")), nil
	}
	startAgain := redirect(http.StatusSeeOther, accountPath)
	startAgain.cookies = []*http.Cookie{s.cookie(mfaCookie, "", -1)}
	step, session, err := s.secondStep(ctx, clientapp.App{}, req.Params.AccessMfa, b.Code)
	switch {
	case errors.Is(err, oauth.ErrChallengeInvalid):
		return startAgain, nil
	case err != nil:
		return nil, err
	case step.Wrong && step.Left == 0:
		return startAgain, nil
	case step.Wrong:
		return renderPage(http.StatusUnauthorized, "mfa.html", pageData{T: t, Title: t.Text("mfaCode.title"), CSRF: *b.CsrfToken, ReturnTo: accountPath,
			AppName: t.Text("account.continueTo"), Error: t.Text("mfaCode.error.wrongCode")})
	}
	resp := redirect(http.StatusSeeOther, accountPath)
	resp.cookies = []*http.Cookie{s.cookie(sessionCookie, session, int(oauth.SessionLifetime.Seconds())), s.cookie(mfaCookie, "", -1)}
	return resp, nil
}
