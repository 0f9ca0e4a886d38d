package mfa

// A user's MFA as they and their administrators change it: pairing one's own authenticator, turning it
// off, and an administrator's mfaEnabled and generateNewAuthenticatorKey (openapi.yaml, tag mfa). Each
// change is one transaction; the email to the user goes after it commits.

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/i18n"
	"github.com/cocoondata/access-service/internal/notify"
)

var (
	// ErrAlreadyConfigured: the user has an authenticator paired; pairing another comes after turning
	// MFA off, or after an administrator's new key.
	ErrAlreadyConfigured = errs.New(errs.Precondition, "Authenticator already paired",
		"an authenticator is paired already: turn MFA off first (with a current code), or ask an administrator for a new key")
	// ErrEnforced: an organisation the user is a member of enforces MFA, so they cannot turn it off.
	ErrEnforced = errs.New(errs.Precondition, "MFA enforced",
		"an organisation you are a member of enforces multi-factor authentication, so it cannot be turned off")
	// ErrAdministratorsMFA: a SafeShare administrator's MFA is turned off by another one only.
	ErrAdministratorsMFA = errs.New(errs.Precondition, "MFA of a SafeShare administrator",
		"a SafeShare administrator's multi-factor authentication is turned off by another SafeShare administrator")
	// ErrOwnMFA: an administrator's change (SetEnabled, Renew) made to oneself.
	ErrOwnMFA = errs.New(errs.Forbidden, "Forbidden", "you cannot change your own multi-factor authentication here: use /api/v1/users/me/mfa")
	// ErrMayNotEnable: only a SafeShare administrator turns another's MFA on or off.
	ErrMayNotEnable = errs.New(errs.Forbidden, "Forbidden", "only SafeShare administrators may turn a SafeShare administrator's MFA on or off")
	// ErrNotAnAdministratorsAccount: mfaEnabled is for SafeShare administrators' accounts only.
	ErrNotAnAdministratorsAccount = errs.New(errs.Invalid, "Bad Request", "the mfaEnabled member is set here for SafeShare administrators only; an organisation's members get MFA from its enforceMfa")
	// ErrMayNotRenew: Renew by someone who administers neither the user's organisations nor, as a
	// SafeShare administrator, a SafeShare administrator.
	ErrMayNotRenew = errs.New(errs.Forbidden, "Forbidden", "only a SafeShare administrator (for SafeShare administrators) or an administrator of an organisation the user is a member of may renew their key")
	// ErrNotRequired: the user's MFA is not required, so there is no key to renew.
	ErrNotRequired = errs.New(errs.Precondition, "MFA not required",
		"multi-factor authentication is not required for this user, so there is no authenticator key to renew")
)

// Account is a user as MFA needs them.
type Account struct {
	ID                         int64
	Email                      string
	MFAEnabled, SafeShareAdmin bool
}

// StartOwnPairing starts pairing the account's own authenticator (StartPairing); ErrAlreadyConfigured
// when one is paired.
func (s *Service) StartOwnPairing(ctx context.Context, a Account) (Pairing, error) {
	st, err := s.Status(ctx, a.ID)
	if err != nil {
		return Pairing{}, err
	}
	if st.Configured {
		return Pairing{}, ErrAlreadyConfigured
	}
	return s.StartPairing(ctx, a.ID, a.Email)
}

// ConfirmOwnPairing pairs the authenticator StartOwnPairing began, with a current code of its key, and
// turns MFA on for the account, in one transaction; then it emails the user.
func (s *Service) ConfirmOwnPairing(ctx context.Context, a Account, code string) error {
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.ConfirmPairing(ctx, a.ID, code); err != nil {
			return err
		}
		return s.store.SetEnabled(ctx, a.ID, true)
	})
	if err == nil {
		s.send(ctx, a.Email, "mfaPaired")
	}
	return err
}

// DisableOwn turns the account's MFA off with a current code: the key is forgotten and MFA is no longer
// enabled on the account. ErrEnforced while an organisation enforces it, ErrAdministratorsMFA for a
// SafeShare administrator, ErrNotConfigured with nothing paired, ErrWrongCode (or ErrReplayed) for the
// code; nothing changes then.
func (s *Service) DisableOwn(ctx context.Context, a Account, code string) error {
	st, err := s.StateOf(ctx, a.ID, a.MFAEnabled)
	switch {
	case err != nil:
		return err
	case len(st.EnforcedBy) > 0:
		return ErrEnforced
	case a.SafeShareAdmin:
		return ErrAdministratorsMFA
	case !st.Configured:
		return ErrNotConfigured
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Verify(ctx, a.ID, code); err != nil {
			return err
		}
		if err := s.store.Forget(ctx, a.ID); err != nil {
			return err
		}
		return s.store.SetEnabled(ctx, a.ID, false)
	})
	if err == nil {
		s.send(ctx, a.Email, "mfaOffOwn")
	}
	return err
}

// SetEnabled turns MFA on or off on a SafeShare administrator's account a, as another SafeShare
// administrator (by) does: ErrOwnMFA on oneself, ErrMayNotEnable for anyone else,
// ErrNotAnAdministratorsAccount on another account. On: a set-up link is emailed unless an
// authenticator is paired already. Off: the key is forgotten. The user is emailed either way.
func (s *Service) SetEnabled(ctx context.Context, by, a Account, on bool) error {
	switch {
	case by.ID == a.ID:
		return ErrOwnMFA
	case !by.SafeShareAdmin:
		return ErrMayNotEnable
	case !a.SafeShareAdmin:
		return ErrNotAnAdministratorsAccount
	}
	var (
		token    string
		validity time.Duration
	)
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockUser(ctx, a.ID); err != nil {
			return err
		}
		if err := s.store.SetEnabled(ctx, a.ID, on); err != nil {
			return err
		}
		if !on {
			return s.store.Forget(ctx, a.ID)
		}
		st, err := s.Status(ctx, a.ID)
		if err != nil || st.Configured {
			return err
		}
		token, _, validity, err = s.newSetupLink(ctx, a.ID, false)
		return err
	})
	switch {
	case err != nil:
		return err
	case !on:
		s.send(ctx, a.Email, "mfaOffByAdmin")
	case token != "":
		s.sendSetupLink(ctx, a.Email, token, validity, ReasonEnabledByAdmin)
	default:
		s.send(ctx, a.Email, "mfaOnByAdmin")
	}
	return nil
}

// Renew forgets the user's key and emails them a new set-up link (generateNewAuthenticatorKey), as by
// asks: a SafeShare administrator for a SafeShare administrator, an organisation's administrator for a
// member of it (ErrMayNotRenew for anyone else, ErrOwnMFA on oneself). ErrNotRequired when the user's
// MFA is not required.
func (s *Service) Renew(ctx context.Context, by, a Account) error {
	if by.ID == a.ID {
		return ErrOwnMFA
	}
	if !by.SafeShareAdmin || !a.SafeShareAdmin {
		ok := false
		if s.orgs != nil {
			var err error
			if ok, err = s.orgs.AdministersMemberOf(ctx, by.ID, a.ID); err != nil {
				return err
			}
		}
		if !ok {
			return ErrMayNotRenew
		}
	}
	required, _, err := s.Required(ctx, a.ID, a.MFAEnabled)
	if err != nil {
		return err
	}
	if !required {
		return ErrNotRequired
	}
	var (
		token    string
		validity time.Duration
	)
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockUser(ctx, a.ID); err != nil {
			return err
		}
		if err := s.store.Forget(ctx, a.ID); err != nil {
			return err
		}
		token, _, validity, err = s.newSetupLink(ctx, a.ID, false)
		return err
	})
	if err != nil {
		return err
	}
	s.sendSetupLink(ctx, a.Email, token, validity, ReasonNewKey)
	return nil
}

// Why a set-up link is emailed: the keys of the sentence that starts the email (i18n bundles).
const (
	ReasonEnabledByAdmin = "email.mfaSetup.reason.enabledByAdmin"
	ReasonNewKey         = "email.mfaSetup.reason.newKey"
	ReasonEnforced       = "email.mfaSetup.reason.enforced"
	ReasonJoined         = "email.mfaSetup.reason.joined"
)

// SendSetupLink emails the user a new set-up link (their earlier unused ones stop working), as an
// organisation that starts enforcing MFA does for a member with no authenticator; why is one of the
// Reason keys.
func (s *Service) SendSetupLink(ctx context.Context, a Account, why string) error {
	token, _, validity, err := s.newSetupLink(ctx, a.ID, false)
	if err != nil {
		return err
	}
	s.sendSetupLink(ctx, a.Email, token, validity, why)
	return nil
}

func (s *Service) sendSetupLink(ctx context.Context, to, token string, validity time.Duration, why string) {
	s.sendMessage(ctx, notify.Message{To: to, Secret: true, Template: &notify.Template{Name: "mfaSetup",
		Values: map[string]string{"link": s.linkBase + token}, Phrases: map[string]string{"reason": why}, Validity: validity}})
}

// Hours writes a validity for people, in t's language: "1 hour", "72 hours" (whole hours, as the
// property sets them).
func Hours(t i18n.Texts, d time.Duration) string {
	if h := d.Round(time.Hour) / time.Hour; h != 1 {
		return t.Format("duration.hours", "n", strconv.FormatInt(int64(h), 10))
	}
	return t.Text("duration.oneHour")
}

// send emails the message of the template name (internal/mailtmpl/templates), which takes no values.
func (s *Service) send(ctx context.Context, to, name string) {
	s.sendMessage(ctx, notify.Message{To: to, Template: &notify.Template{Name: name}})
}

// sendMessage sends after the change committed; a failure is logged (without the body), never the
// change's.
func (s *Service) sendMessage(ctx context.Context, m notify.Message) {
	if s.mailer == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notify.Timeout)
	defer cancel()
	if err := s.mailer.Send(ctx, m); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Error("notification not sent", "to", m.To, "email", m.Template.Name, "error", err.Error()) // every one is templated
	}
}

// Enforced emails a set-up link to every member of the organisation (not Ad hoc) with no authenticator
// paired, as its enforceMfa has just been turned on (organisation.MFAEnrolment). An organisation may
// have thousands of members: the links go out in the background, each in its own transaction, and a
// failure is logged.
func (s *Service) Enforced(ctx context.Context, orgID int64) {
	ctx = context.WithoutCancel(ctx)
	ctx = notify.About(ctx, orgID) // the links' emails show the organisation's own names and links
	go func() {
		members, err := s.store.Unpaired(ctx, orgID, 0)
		if err != nil {
			s.log.Error("MFA set-up links not sent", "organisation", orgID, "error", err.Error())
			return
		}
		for _, a := range members {
			if err := s.SendSetupLink(ctx, a, ReasonEnforced); err != nil {
				s.log.Error("MFA set-up link not sent", "organisation", orgID, "user", a.ID, "error", err.Error())
			}
		}
	}()
}

// Joined emails a set-up link to a member who just joined an organisation that enforces MFA, unless
// they have an authenticator paired (organisation.MFAEnrolment).
func (s *Service) Joined(ctx context.Context, orgID, userID int64) {
	ctx = notify.About(ctx, orgID) // the link's email shows the organisation's own names and links
	members, err := s.store.Unpaired(ctx, orgID, userID)
	if err == nil {
		for _, a := range members {
			err = s.SendSetupLink(ctx, a, ReasonJoined)
		}
	}
	if err != nil {
		s.log.Error("MFA set-up link not sent", "organisation", orgID, "user", userID, "error", err.Error())
	}
}
