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
