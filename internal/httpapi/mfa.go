package httpapi

// Multi-factor authentication: the caller's own (/api/v1/users/me/mfa), an administrator's change of
// another user's (PUT /api/v1/users/{userId}), and the emailed set-up link's pages. The rules are
// package mfa's; the code page of the sign-in is in authorize.go.

import (
	"context"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/i18n"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/mfa"
	"github.com/cocoondata/access-service/internal/user"
)

func accountOfUser(u user.User) mfa.Account {
	return mfa.Account{ID: u.ID, Email: u.Email, MFAEnabled: u.MFAEnabled, SafeShareAdmin: u.SafeShareAdmin}
}

func (s *Server) mfaStatusOf(ctx context.Context, u user.User) (gen.MfaStatus, error) {
	st, err := s.MFA.StateOf(ctx, u.ID, u.MFAEnabled)
	if err != nil {
		return gen.MfaStatus{}, err
	}
	out := gen.MfaStatus{Required: st.Required, Configured: st.Configured, EnforcedBy: make([]gen.Id, len(st.EnforcedBy))}
	for i, id := range st.EnforcedBy {
		out.EnforcedBy[i] = ids.Format(id)
	}
	return out, nil
}

// GetMyMfa implements gen.StrictServerInterface.
func (s *Server) GetMyMfa(ctx context.Context, _ gen.GetMyMfaRequestObject) (gen.GetMyMfaResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	st, err := s.mfaStatusOf(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.GetMyMfa200JSONResponse(st), nil
}

// StartMyMfaPairing implements gen.StrictServerInterface.
func (s *Server) StartMyMfaPairing(ctx context.Context, _ gen.StartMyMfaPairingRequestObject) (gen.StartMyMfaPairingResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.MFA.StartOwnPairing(ctx, accountOfUser(u))
	if err != nil {
		return nil, err
	}
	png, err := p.QR()
	if err != nil {
		return nil, err
	}
	return gen.StartMyMfaPairing200JSONResponse{
		Body:    gen.MfaPairing{Key: p.Key, OtpauthUri: p.URI, QrCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)},
		Headers: gen.StartMyMfaPairing200ResponseHeaders{CacheControl: &noStore},
	}, nil
}

// ConfirmMyMfaPairing implements gen.StrictServerInterface.
func (s *Server) ConfirmMyMfaPairing(ctx context.Context, req gen.ConfirmMyMfaPairingRequestObject) (gen.ConfirmMyMfaPairingResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.MFA.ConfirmOwnPairing(ctx, accountOfUser(u), req.Body.Code); err != nil {
		return nil, err
	}
	// A new factor, a new start: every refresh token and sign-in session of the user ends.
	if err := s.Grants.ExpireUser(ctx, u.ID); err != nil {
		return nil, err
	}
	u.MFAEnabled = true
	st, err := s.mfaStatusOf(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.ConfirmMyMfaPairing200JSONResponse(st), nil
}

// DisableMyMfa implements gen.StrictServerInterface.
func (s *Server) DisableMyMfa(ctx context.Context, req gen.DisableMyMfaRequestObject) (gen.DisableMyMfaResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.MFA.DisableOwn(ctx, accountOfUser(u), req.Body.Code); err != nil {
		return nil, err
	}
	u.MFAEnabled = false
	st, err := s.mfaStatusOf(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.DisableMyMfa200JSONResponse(st), nil
}

var errOneMember = newProblem(http.StatusBadRequest, "Send exactly one of mfaEnabled and generateNewAuthenticatorKey (which, if sent, must be true).")

// UpdateUser implements gen.StrictServerInterface.
func (s *Server) UpdateUser(ctx context.Context, req gen.UpdateUserRequestObject) (gen.UpdateUserResponseObject, error) {
	b := req.Body
	renew := b.GenerateNewAuthenticatorKey != nil
	if renew == (b.MfaEnabled != nil) || (renew && !*b.GenerateNewAuthenticatorKey) {
		return nil, errOneMember
	}
	caller, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	targetID := pathID(req.UserId) // one too large for an id is 0: no such user
	if targetID == caller.ID {
		return nil, mfa.ErrOwnMFA // before the look-up, as ever: oneself is always found
	}
	target, err := s.Users.ByID(ctx, targetID)
	if err != nil {
		return nil, err
	}
	if renew {
		err = s.MFA.Renew(ctx, accountOfUser(caller), accountOfUser(target))
	} else if err = s.MFA.SetEnabled(ctx, accountOfUser(caller), accountOfUser(target), *b.MfaEnabled); err == nil {
		// Turned on, the user's sessions began without a code, and SessionUser refuses them from now on.
		target.MFAEnabled = *b.MfaEnabled
	}
	if err != nil {
		return nil, err
	}
	if target, err = s.shown(ctx, target); err != nil {
		return nil, err
	}
	return gen.UpdateUser200JSONResponse(userOut(target)), nil
}

// The set-up link's pages.

type setupPageData struct {
	pageData
	Token, Key string
	QR         template.URL
}

// linkUnusable is the page for a set-up link that cannot be used (expired, used, unknown); it says how
// long a new link lasts: as long as the platform property temporary.password.expiry.hours says now.
func (s *Server) linkUnusable(ctx context.Context, t i18n.Texts) htmlResponse {
	validity, err := s.Properties.TemporaryLinkValidity(ctx)
	if err != nil {
		validity = mfa.DefaultSetupLinkValidity
	}
	return errorPage(t, http.StatusBadRequest, t.Text("mfaSetup.linkUnusable.title"),
		t.Format("mfaSetup.linkUnusable.text", "validity", mfa.Hours(t, validity)))
}

// OpenMfaSetup implements gen.StrictServerInterface.
func (s *Server) OpenMfaSetup(ctx context.Context, req gen.OpenMfaSetupRequestObject) (gen.OpenMfaSetupResponseObject, error) {
	csrf, newCookie := s.csrfFor(req.Params.AccessCsrf)
	page, err := s.setupPage(ctx, http.StatusOK, req.Params.Token, csrf, "")
	if err != nil {
		return nil, err
	}
	if newCookie != nil {
		page.cookies = append(page.cookies, newCookie)
	}
	return page, nil
}

// setupPage shows the link's pairing (the same key on every visit), or the page for a link that cannot
// be used; problem is the key of the error to show, if any.
func (s *Server) setupPage(ctx context.Context, status int, token, csrf, problem string) (htmlResponse, error) {
	t := s.pageTexts(ctx)
	_, p, err := s.MFA.OpenSetupLink(ctx, token)
	if isLinkError(err) {
		return s.linkUnusable(ctx, t), nil
	}
	if err != nil {
		return htmlResponse{}, err
	}
	png, err := p.QR()
	if err != nil {
		return htmlResponse{}, err
	}
	return renderPage(status, "setup.html", setupPageData{
		pageData: pageData{T: t, Title: t.Text("mfaSetup.title"), CSRF: csrf, Error: errorText(t, problem)},
		Token:    token, Key: p.Key, QR: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
	})
}

// errorText is the string of the error key, "" for none.
func errorText(t i18n.Texts, key string) string {
	if key == "" {
		return ""
	}
	return t.Text(key)
}

func isLinkError(err error) bool {
	return errors.Is(err, mfa.ErrLinkUnknown) || errors.Is(err, mfa.ErrLinkExpired) || errors.Is(err, mfa.ErrLinkUsed)
}

// CompleteMfaSetup implements gen.StrictServerInterface.
func (s *Server) CompleteMfaSetup(ctx context.Context, req gen.CompleteMfaSetupRequestObject) (gen.CompleteMfaSetupResponseObject, error) {
	b := req.Body
	if !csrfOK(req.Params.AccessCsrf, b.CsrfToken) {
		return csrfRefused(s.pageTexts(ctx)), nil
	}
	userID, err := s.MFA.CompleteSetupLink(ctx, b.Token, b.Code)
	if userID != 0 {
		noteSignIn(ctx, "completeMfaSetup", "", userID)
	}
	switch {
	case isLinkError(err):
		return s.linkUnusable(ctx, s.pageTexts(ctx)), nil
	case errors.Is(err, mfa.ErrWrongCode), errors.Is(err, mfa.ErrReplayed):
		return s.setupPage(ctx, http.StatusUnauthorized, b.Token, *b.CsrfToken, "mfaSetup.error.wrongCode")
	case errors.Is(err, mfa.ErrNoPairing):
		return s.setupPage(ctx, http.StatusUnauthorized, b.Token, *b.CsrfToken, "mfaSetup.error.noPairing")
	case err != nil:
		return nil, err
	}
	if err := s.Grants.ExpireUser(ctx, userID); err != nil {
		return nil, err
	}
	t := s.pageTexts(ctx)
	return renderPage(http.StatusOK, "setup-done.html", pageData{T: t, Title: t.Text("mfaSetupDone.title")})
}
