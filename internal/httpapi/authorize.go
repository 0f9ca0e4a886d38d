package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/i18n"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/theme"
	"github.com/cocoondata/access-service/internal/user"
)

//go:embed pages/*.html
var pageFiles embed.FS

var pages = template.Must(template.ParseFS(pageFiles, "pages/*.html"))

// Cookies of the authorization pages.
const (
	sessionCookie = "access_session"
	csrfCookie    = "access_csrf"
	mfaCookie     = "access_mfa" // the restrictive token of a sign-in's second step
	pagesPath     = "/api/oauth"
)

// pageData is what the page templates show. T are the page's strings, in the language it is shown in
// (pageTexts): the templates write {{.T.Text "key"}}, escaped like any other text.
type pageData struct {
	T              i18n.Texts
	Title          string
	Error          string
	CSRF           string
	Req            oauth.AuthRequest
	AppName        string
	AppDescription string
	UserEmail      string
	Scopes         []scopeWords
	Email          string
	// SignedIn: the page is shown to a signed-in person, and its header has a "Sign out" button.
	SignedIn bool
	// ReturnTo: the sign-in and code pages' forms go back to this page of the service (/account)
	// instead of an authorization request; Next is where "Not you?" returns after signing out.
	ReturnTo, Next string
	// Account is what the account page shows; SignOut the sign-out confirmation page's request.
	Account *accountView
	SignOut *signOutRequest
	// Theme is the platform's theme, filled in for every page after its handler (themePages).
	Theme pageTheme
}

// scopeWords is a scope as the approval page shows it: its name and, in plain words, what it allows.
type scopeWords struct {
	Name, Allows string
	Powerful     bool // shown as a warning
}

// inWords says what each scope lets an application do in the user's name.
func inWords(t i18n.Texts, scope []string) []scopeWords {
	out := make([]scopeWords, 0, len(scope))
	for _, s := range scope {
		w := scopeWords{Name: s}
		switch s {
		case ScopeRead:
			w.Allows = t.Text("scope.read")
		case ScopeWrite:
			w.Allows = t.Text("scope.write")
		case ScopeAdmin:
			w.Allows = t.Text("scope.admin")
			w.Powerful = true
		case oauth.ScopeIntrospect:
			w.Allows = t.Text("scope.introspect")
		case oauth.ScopeOpenID:
			w.Allows = t.Text("scope.openid")
		case oauth.ScopeProfile:
			w.Allows = t.Text("scope.profile")
		case oauth.ScopeEmail:
			w.Allows = t.Text("scope.email")
		default:
			w.Allows = t.Text("scope.other")
		}
		out = append(out, w)
	}
	return out
}

// htmlResponse answers the browser-facing endpoints: a page, or a redirect, with cookies. A page is
// rendered when it is written (page and data), so that the theme can be given to it after the handler
// (themePages); body is for a page written beforehand.
type htmlResponse struct {
	status   int
	body     []byte
	page     string
	data     any
	location string
	cookies  []*http.Cookie
}

func (h htmlResponse) visit(w http.ResponseWriter) error {
	if h.page != "" {
		var b bytes.Buffer
		if err := pages.ExecuteTemplate(&b, h.page, h.data); err != nil {
			return err
		}
		h.body = b.Bytes()
	}
	for _, c := range h.cookies {
		http.SetCookie(w, c)
	}
	hd := w.Header()
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	// img-src data: for the set-up page's QR code, an inline PNG; nothing is loaded from elsewhere.
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'")
	if h.location != "" {
		hd.Set("Location", h.location)
	}
	if h.body != nil {
		hd.Set("Content-Type", "text/html; charset=utf-8")
	}
	w.WriteHeader(h.status)
	_, err := w.Write(h.body)
	return err
}

func (h htmlResponse) VisitAuthorizeResponse(w http.ResponseWriter) error { return h.visit(w) }
func (h htmlResponse) VisitDecideAuthorizationResponse(w http.ResponseWriter) error {
	return h.visit(w)
}
func (h htmlResponse) VisitSignInResponse(w http.ResponseWriter) error { return h.visit(w) }
func (h htmlResponse) VisitVerifySignInCodeResponse(w http.ResponseWriter) error {
	return h.visit(w)
}
func (h htmlResponse) VisitOpenMfaSetupResponse(w http.ResponseWriter) error     { return h.visit(w) }
func (h htmlResponse) VisitCompleteMfaSetupResponse(w http.ResponseWriter) error { return h.visit(w) }

// renderPage is the page name showing d (a pageData, or a setupPageData), rendered when written. The
// templates are fixed and every page is rendered by the tests; the error result stays so that the
// callers need not change.
func renderPage(status int, name string, d any) (htmlResponse, error) {
	return htmlResponse{status: status, page: name, data: d}, nil
}

// errorPage is a page that ends the flow without sending the browser anywhere; title and msg are in
// t's language.
func errorPage(t i18n.Texts, status int, title, msg string) htmlResponse {
	r, _ := renderPage(status, "error.html", pageData{T: t, Title: title, Error: msg})
	return r
}

func redirect(status int, location string) htmlResponse {
	return htmlResponse{status: status, location: location}
}

func (s *Server) cookie(name, value string, maxAge int) *http.Cookie {
	// Path "/": the account page (/account) reads the session and CSRF cookies too.
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(s.Issuer, "https://")}
}

// csrfFor returns the CSRF token of the browser, making one (and its cookie) if it has none.
func (s *Server) csrfFor(cookie *string) (string, *http.Cookie) {
	if cookie != nil && len(*cookie) >= 32 {
		return *cookie, nil
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	v := base64.RawURLEncoding.EncodeToString(b[:])
	return v, s.cookie(csrfCookie, v, 0)
}

// csrfOK: the form repeats the token of the browser's CSRF cookie. Another site can make the browser
// post a form, but cannot read the cookie to put its value in the form.
func csrfOK(cookie *string, form *string) bool {
	if cookie == nil || form == nil || len(*cookie) < 32 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(*cookie), []byte(*form)) == 1
}

// csrfRefused is the page for a form whose CSRF token does not match the browser's.
func csrfRefused(t i18n.Texts) htmlResponse {
	return errorPage(t, http.StatusForbidden, t.Text("error.csrf.title"), t.Text("error.csrf.text"))
}

func authorizeURL(r oauth.AuthRequest) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("response_type", r.ResponseType)
	set("client_id", r.ClientID)
	set("redirect_uri", r.RedirectURI)
	set("state", r.State)
	set("scope", r.Scope)
	set("code_challenge", r.CodeChallenge)
	set("code_challenge_method", r.CodeChallengeMethod)
	set("nonce", r.Nonce)
	set("max_age", r.MaxAge)
	return pagesPath + "/authorize?" + v.Encode()
}

// signedInURL is where a sign-in sends the browser on: the authorization request, without max_age, which
// the sign-in just done meets (max_age=0 would otherwise ask for it again and again).
func signedInURL(r oauth.AuthRequest) string {
	r.MaxAge = ""
	return authorizeURL(r)
}

// checkAuthorization runs the request's checks; a refusal comes back as the response to give.
func (s *Server) checkAuthorization(ctx context.Context, r oauth.AuthRequest, redirectStatus int) (oauth.Authorization, *htmlResponse, error) {
	a, err := s.Grants.Check(ctx, r)
	var pe *oauth.PageError
	if errors.As(err, &pe) {
		t := s.pageTexts(ctx)
		msg := pe.Message
		if pe.Key != "" {
			msg = t.Text(pe.Key)
		}
		resp := errorPage(t, http.StatusBadRequest, t.Text("error.request.title"), msg)
		return a, &resp, nil
	}
	var re *oauth.RedirectError
	if errors.As(err, &re) {
		resp := redirect(redirectStatus, oauth.ErrorRedirect(a, re))
		return a, &resp, nil
	}
	return a, nil, err
}

// hiddenFields are what a page's form repeats: its CSRF token and, in hidden fields, the authorization
// request the page was shown for.
type hiddenFields struct {
	CSRF, ResponseType, State, Scope, CodeChallenge, CodeChallengeMethod *string
	ClientID, RedirectURI                                                string
	Nonce, MaxAge                                                        *string // OpenID Connect
}

// formAuthorization checks a page's form: its CSRF token against the cookie's first, then the
// authorization request of its hidden fields (checkAuthorization); a refusal comes back as the answer
// to give.
func (s *Server) formAuthorization(ctx context.Context, cookie *string, h hiddenFields) (oauth.AuthRequest, oauth.Authorization, *htmlResponse, error) {
	if !csrfOK(cookie, h.CSRF) {
		refused := csrfRefused(s.pageTexts(ctx))
		return oauth.AuthRequest{}, oauth.Authorization{}, &refused, nil
	}
	r := oauth.AuthRequest{ResponseType: deref(h.ResponseType), ClientID: h.ClientID, RedirectURI: h.RedirectURI,
		State: deref(h.State), Scope: deref(h.Scope), CodeChallenge: deref(h.CodeChallenge), CodeChallengeMethod: deref(h.CodeChallengeMethod),
		Nonce: deref(h.Nonce), MaxAge: deref(h.MaxAge)}
	a, refused, err := s.checkAuthorization(ctx, r, http.StatusSeeOther)
	return r, a, refused, err
}

// Authorize implements gen.StrictServerInterface.
func (s *Server) Authorize(ctx context.Context, req gen.AuthorizeRequestObject) (gen.AuthorizeResponseObject, error) {
	p := req.Params
	r := oauth.AuthRequest{ResponseType: deref(p.ResponseType), ClientID: p.ClientId, RedirectURI: p.RedirectUri,
		State: deref(p.State), Scope: deref(p.Scope), CodeChallenge: deref(p.CodeChallenge), CodeChallengeMethod: deref(p.CodeChallengeMethod),
		Nonce: deref(p.Nonce), Prompt: deref(p.Prompt), LoginHint: deref(p.LoginHint)}
	if p.MaxAge != nil {
		r.MaxAge = strconv.Itoa(*p.MaxAge)
	}
	a, refused, err := s.checkAuthorization(ctx, r, http.StatusFound)
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return *refused, nil
	}
	csrf, newCookie := s.csrfFor(p.AccessCsrf)
	var cookies []*http.Cookie
	if newCookie != nil {
		cookies = append(cookies, newCookie)
	}
	u, err := s.Grants.SessionUser(ctx, deref(p.AccessSession))
	if err != nil && !errors.Is(err, oauth.ErrSessionInvalid) {
		return nil, err
	}
	// OpenID Connect: prompt=login and a max_age the session's sign-in is older than sign in again; the
	// sign-in page's redirect drops both (signedInURL), so the request then proceeds.
	if err != nil || a.Prompt[oauth.PromptLogin] || s.Grants.SignInTooOld(u, a) {
		if a.Prompt[oauth.PromptNone] {
			return redirect(http.StatusFound, oauth.ErrorRedirect(a, &oauth.RedirectError{Code: "login_required", Description: "The user must sign in"})), nil
		}
		t := s.pageTexts(ctx)
		page, err := renderPage(http.StatusOK, "signin.html", pageData{T: t, Title: t.Text("signIn.title"), CSRF: csrf, Req: r, AppName: a.App.AppName,
			Email: r.LoginHint})
		page.cookies = cookies
		return page, err
	}
	ask, err := s.Grants.NeedsApproval(ctx, u.User, a)
	if err != nil {
		return nil, err
	}
	if ask && a.Prompt[oauth.PromptNone] {
		return redirect(http.StatusFound, oauth.ErrorRedirect(a, &oauth.RedirectError{Code: "consent_required", Description: "The user must approve the application"})), nil
	}
	if ask {
		t := s.pageTexts(ctx)
		page, err := renderPage(http.StatusOK, "approve.html", pageData{T: t, Title: t.Format("approve.title", "app", a.App.AppName), CSRF: csrf, Req: r,
			AppName: a.App.AppName, AppDescription: a.App.Description, UserEmail: u.Email, Scopes: inWords(t, a.Scope),
			SignedIn: true, Next: authorizeURL(r)})
		page.cookies = cookies
		return page, err
	}
	loc, err := s.Grants.Approve(ctx, u, a)
	if err != nil {
		return nil, err
	}
	resp := redirect(http.StatusFound, loc)
	resp.cookies = cookies
	return resp, nil
}

// SignIn implements gen.StrictServerInterface.
func (s *Server) SignIn(ctx context.Context, req gen.SignInRequestObject) (gen.SignInResponseObject, error) {
	b := req.Body
	if deref(b.ReturnTo) != "" { // signing in to a page of the service (/account): account.go
		return s.signInToPage(ctx, req)
	}
	r, a, refused, err := s.formAuthorization(ctx, req.Params.AccessCsrf, hiddenFields{CSRF: b.CsrfToken, ResponseType: b.ResponseType,
		ClientID: deref(b.ClientId), RedirectURI: deref(b.RedirectUri), State: b.State, Scope: b.Scope, CodeChallenge: b.CodeChallenge, CodeChallengeMethod: b.CodeChallengeMethod,
		Nonce: b.Nonce, MaxAge: b.MaxAge})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return *refused, nil
	}
	res, err := s.Grants.SignIn(ctx, a.App, b.Username, b.Password, stateFrom(ctx).remoteAddr())
	noteClient(ctx, a.App.ClientID)
	s.noteSignInPage(ctx, b.Username, res, err)
	msg, err := signInRefusal(err)
	if err != nil {
		return nil, err
	}
	t := s.pageTexts(ctx)
	if msg != "" {
		return renderPage(http.StatusUnauthorized, "signin.html", pageData{T: t, Title: t.Text("signIn.title"), Error: t.Text(msg),
			CSRF: *b.CsrfToken, Req: r, AppName: a.App.AppName, Email: b.Username})
	}
	if res.MFAToken != "" {
		page, err := renderPage(http.StatusOK, "mfa.html", pageData{T: t, Title: t.Text("mfaCode.title"), CSRF: *b.CsrfToken, Req: r, AppName: a.App.AppName})
		page.cookies = []*http.Cookie{s.cookie(mfaCookie, res.MFAToken, int(oauth.RestrictiveLifetime.Seconds()))}
		return page, err
	}
	resp := redirect(http.StatusSeeOther, signedInURL(r))
	resp.cookies = []*http.Cookie{s.cookie(sessionCookie, res.Session, int(oauth.SessionLifetime.Seconds()))}
	return resp, nil
}

// noteSignInPage names, in the sign-in form's audit record, who tried to sign in and what it came to
// (audit.SignIn): credentials refused (wrong password, locked or disabled account, MFA not set up) are
// a failure; right credentials with a code still to come are the first step, neither; right
// credentials that start a session are a success.
func (s *Server) noteSignInPage(ctx context.Context, username string, res oauth.SignInResult, err error) {
	switch {
	case err == nil && res.MFAToken != "":
		noteSignIn(ctx, audit.OperationSignInFirstStep, res.Email, res.UserID)
	case err == nil:
		noteSignIn(ctx, audit.OperationSignIn, res.Email, res.UserID)
		noteSignInOutcome(ctx, audit.SignInSucceeded)
	case errors.Is(err, oauth.ErrMFANotSetUp), errors.Is(err, user.ErrBadCredentials), errors.Is(err, user.ErrDisabled):
		attempted := username
		if e, err := user.NormalizeEmail(username); err == nil {
			attempted = e
		} else if len(attempted) > 254 {
			attempted = attempted[:254]
		}
		noteSignIn(ctx, audit.OperationSignIn, attempted, 0)
		noteSignInOutcome(ctx, audit.SignInFailed)
	}
}

// VerifySignInCode implements gen.StrictServerInterface: the Authentication code page's form.
func (s *Server) VerifySignInCode(ctx context.Context, req gen.VerifySignInCodeRequestObject) (gen.VerifySignInCodeResponseObject, error) {
	b := req.Body
	if deref(b.ReturnTo) != "" { // signing in to a page of the service (/account): account.go
		return s.verifyCodeToPage(ctx, req)
	}
	r, a, refused, err := s.formAuthorization(ctx, req.Params.AccessCsrf, hiddenFields{CSRF: b.CsrfToken, ResponseType: b.ResponseType,
		ClientID: deref(b.ClientId), RedirectURI: deref(b.RedirectUri), State: b.State, Scope: b.Scope, CodeChallenge: b.CodeChallenge, CodeChallengeMethod: b.CodeChallengeMethod,
		Nonce: b.Nonce, MaxAge: b.MaxAge})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return *refused, nil
	}
	// Back to the sign-in page (GET /api/oauth/authorize shows it, having no session), the step's
	// cookie cleared.
	startAgain := redirect(http.StatusSeeOther, authorizeURL(r))
	startAgain.cookies = []*http.Cookie{s.cookie(mfaCookie, "", -1)}
	step, session, err := s.secondStep(ctx, a.App, req.Params.AccessMfa, b.Code)
	switch {
	case errors.Is(err, oauth.ErrChallengeInvalid):
		return startAgain, nil
	case err != nil:
		return nil, err
	case step.Wrong && step.Left == 0:
		return startAgain, nil
	case step.Wrong:
		t := s.pageTexts(ctx)
		return renderPage(http.StatusUnauthorized, "mfa.html", pageData{T: t, Title: t.Text("mfaCode.title"), CSRF: *b.CsrfToken, Req: r, AppName: a.App.AppName,
			Error: t.Text("mfaCode.error.wrongCode")})
	}
	resp := redirect(http.StatusSeeOther, signedInURL(r))
	resp.cookies = []*http.Cookie{s.cookie(sessionCookie, session, int(oauth.SessionLifetime.Seconds())), s.cookie(mfaCookie, "", -1)}
	return resp, nil
}

// DecideAuthorization implements gen.StrictServerInterface.
func (s *Server) DecideAuthorization(ctx context.Context, req gen.DecideAuthorizationRequestObject) (gen.DecideAuthorizationResponseObject, error) {
	b := req.Body
	r, a, refused, err := s.formAuthorization(ctx, req.Params.AccessCsrf, hiddenFields{CSRF: b.CsrfToken, ResponseType: b.ResponseType,
		ClientID: b.ClientId, RedirectURI: b.RedirectUri, State: b.State, Scope: b.Scope, CodeChallenge: b.CodeChallenge, CodeChallengeMethod: b.CodeChallengeMethod,
		Nonce: b.Nonce, MaxAge: b.MaxAge})
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return *refused, nil
	}
	u, err := s.Grants.SessionUser(ctx, deref(req.Params.AccessSession))
	if errors.Is(err, oauth.ErrSessionInvalid) || (err == nil && s.Grants.SignInTooOld(u, a)) {
		return redirect(http.StatusSeeOther, authorizeURL(r)), nil
	}
	if err != nil {
		return nil, err
	}
	if b.Decision != gen.Approve {
		return redirect(http.StatusSeeOther, oauth.Deny(a)), nil
	}
	loc, err := s.Grants.Approve(ctx, u, a)
	if err != nil {
		return nil, err
	}
	return redirect(http.StatusSeeOther, loc), nil
}

// pagePathsOf are the browser-facing endpoints, whose errors are HTML pages: the paths of the sign-in
// pages (under pagesPath) with an operation answering HTML, read from the spec, so a new page's errors
// are pages without a list to keep.
func pagePathsOf(spec *openapi3.T) map[string]bool {
	out := map[string]bool{}
	for path, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			if (strings.HasPrefix(path, pagesPath+"/") || isAccountPath(path)) && answersHTML(op) {
				out[path] = true
			}
		}
	}
	return out
}

// answersHTML: one of the operation's answers is an HTML page.
func answersHTML(op *openapi3.Operation) bool {
	for _, r := range op.Responses.Map() {
		if r.Value != nil && r.Value.Content.Get("text/html") != nil {
			return true
		}
	}
	return false
}

// pageRateLimit limits the sign-in form per remote address like the token endpoint, so the page is no
// way around the token endpoint's limit; beyond it the answer is a 429 page with Retry-After.
func (s *Server) pageRateLimit(l RateLimit, key func(echo.Context) string) echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(l.PerSecond), Burst: l.Burst, ExpiresIn: 3 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return key(c), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", fmt.Sprint(int(1/l.PerSecond)+1))
			t := s.pageTexts(c.Request().Context())
			return s.themed(c.Request().Context(), errorPage(t, http.StatusTooManyRequests, t.Text("error.tooMany.title"), t.Text("error.tooMany.text"))).visit(c.Response())
		},
	})
}

// pageTheme is what the pages show of the platform's theme: the application's name in the header and
// the title; the company, the copyright and the links in the footer; adminEmail as "Need help?"; the
// authenticator apps' links on the MFA set-up page (the well-known ones where the theme names none).
type pageTheme struct {
	ApplicationName, CompanyName, Copyright                         string
	SupportLink, WebappHelpURL, LegalURL, PrivacyURL                string
	AdminEmail                                                      string
	IphoneAuthenticator, AndroidAuthenticator, WindowsAuthenticator string
	// HelpInPage: the page has a "Need help?" of its own (the code page), where the address goes.
	HelpInPage bool
}

// The authenticator apps' links the set-up page shows unless the theme names others.
const (
	defaultIphoneAuthenticator  = "https://apps.apple.com/app/google-authenticator/id388497605"
	defaultAndroidAuthenticator = "https://play.google.com/store/apps/details?id=com.google.android.apps.authenticator2"
	defaultWindowsAuthenticator = "https://apps.microsoft.com/detail/9nblggh08h54"
)

func pageThemeOf(t *theme.Theme, page string) pageTheme {
	or := func(name, def string) string {
		if v := t.Text(name); v != "" {
			return v
		}
		return def
	}
	return pageTheme{
		ApplicationName: or(theme.ApplicationName, theme.DefaultApplicationName),
		CompanyName:     t.Text(theme.CompanyName), Copyright: t.Text(theme.Copyright),
		SupportLink: t.Text(theme.SupportLink), WebappHelpURL: t.Text(theme.WebappHelpURL),
		LegalURL: t.Text(theme.LegalURL), PrivacyURL: t.Text(theme.PrivacyURL),
		AdminEmail:           t.Text(theme.AdminEmail),
		IphoneAuthenticator:  or(theme.IphoneAuthenticatorURL, defaultIphoneAuthenticator),
		AndroidAuthenticator: or(theme.AndroidAuthenticatorURL, defaultAndroidAuthenticator),
		WindowsAuthenticator: or(theme.WindowsAuthenticatorURL, defaultWindowsAuthenticator),
		HelpInPage:           page == "mfa.html",
	}
}

// themed gives the page the platform's theme. A theme that cannot be read now (the database is down)
// leaves the page its defaults: a sign-in page is better shown plain than not at all.
func (s *Server) themed(ctx context.Context, h htmlResponse) htmlResponse {
	if h.page == "" {
		return h
	}
	t := &theme.Theme{}
	if s.Theme != nil {
		if cur, err := s.Theme.Current(ctx); err == nil {
			t = cur
		} else {
			loggerFrom(ctx, s.log).Warn("theme not read; the page shows the defaults", "error", err.Error())
		}
	}
	pt := pageThemeOf(t, h.page)
	switch d := h.data.(type) {
	case pageData:
		d.Theme = pt
		h.data = d
	case setupPageData:
		d.Theme = pt
		h.data = d
	case passwordPageData:
		d.Theme = pt
		h.data = d
	}
	return h
}

// themePages is the strict handlers' middleware that gives every page they answer with the theme.
func (s *Server) themePages(f gen.StrictHandlerFunc, _ string) gen.StrictHandlerFunc {
	return func(c echo.Context, request any) (any, error) {
		resp, err := f(c, request)
		if h, ok := resp.(htmlResponse); ok && err == nil {
			return s.themed(c.Request().Context(), h), nil
		}
		return resp, err
	}
}

// secondStep checks the Authentication code page's code for the app (Grants.FinishSignIn: no app for a
// sign-in to the account page) and notes the attempt and its outcome in the audit trail.
func (s *Server) secondStep(ctx context.Context, app clientapp.App, challenge *string, code string) (oauth.SecondStep, string, error) {
	step, session, err := s.Grants.FinishSignIn(ctx, app, deref(challenge), code, stateFrom(ctx).remoteAddr())
	if step.User.ID != 0 {
		noteSignIn(ctx, audit.OperationSignInSecondFactor, step.User.Email, step.User.ID)
		switch {
		case err == nil && step.Wrong:
			noteSignInOutcome(ctx, audit.SignInFailed)
		case err == nil:
			noteSignInOutcome(ctx, audit.SignInSucceeded)
		}
	}
	return step, session, err
}

// signInRefusal is the sign-in page's message key for a refused sign-in (Grants.SignIn's error), for
// both sign-in forms (an app's and the account page's); another error is returned as it is.
func signInRefusal(err error) (string, error) {
	switch {
	case err == nil:
		return "", nil
	case errors.Is(err, oauth.ErrMFANotSetUp):
		return "signIn.error.mfaNotSetUp", nil
	case errors.Is(err, user.ErrBadCredentials):
		// A locked account is told the same, so the page says nothing of which accounts exist or are
		// locked; the lock ends by itself (user.LockDuration).
		return "signIn.error.badCredentials", nil
	case errors.Is(err, user.ErrDisabled):
		return "signIn.error.disabled", nil
	}
	return "", err
}
