package notify

import (
	"context"
	"time"
)

// LinkMail is an email that carries a single-use link for one person: an invitation to choose a
// password, or a password reset.
type LinkMail struct {
	To string // the address
	// Name is how to greet the person (their first name, or empty).
	Name string
	// Link is the whole single-use URL (secret: never logged).
	Link string
	// Validity is how long the link works.
	Validity time.Duration
	// Locale is the language to write in (an i18n locale code such as "en_us" or "da"); empty: the
	// platform's default.
	Locale string
	// OrgID is the organisation the email is about (an invitation to join it), for its own theme
	// (company name and links); nil: the platform's.
	OrgID *int64
}

// LinkMailer writes and sends the link emails (templated, themed, in the person's language). Callers
// send after their change commits and only log a failure, as for every notification.
type LinkMailer interface {
	SendInvitation(ctx context.Context, m LinkMail) error
	SendPasswordReset(ctx context.Context, m LinkMail) error
}

// Template names of the link emails (internal/mailtmpl/templates).
const (
	InvitationTemplate    = "invitation"
	PasswordResetTemplate = "passwordReset"
)

// Links is the LinkMailer: it sends the link emails through a sender that writes templated messages
// (the app's themed sender, theme.Mailer), each within Timeout of its own, so that the request that
// caused it ending early does not stop it. The body is Secret: the log sender leaves it out.
type Links struct{ sender Sender }

// NewLinkMailer returns the link emails' mailer over sender (App.Mailer).
func NewLinkMailer(sender Sender) *Links { return &Links{sender: sender} }

// SendInvitation implements LinkMailer: the template "invitation".
func (l *Links) SendInvitation(ctx context.Context, m LinkMail) error {
	return l.send(ctx, InvitationTemplate, m)
}

// SendPasswordReset implements LinkMailer: the template "passwordReset".
func (l *Links) SendPasswordReset(ctx context.Context, m LinkMail) error {
	return l.send(ctx, PasswordResetTemplate, m)
}

func (l *Links) send(ctx context.Context, name string, m LinkMail) error {
	if m.OrgID != nil {
		ctx = About(ctx, *m.OrgID)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), Timeout)
	defer cancel()
	return l.sender.Send(ctx, Message{To: m.To, Secret: true, Template: &Template{
		Name: name, Locale: m.Locale, Validity: m.Validity,
		Values: map[string]string{"link": m.Link, "name": m.Name},
	}})
}
