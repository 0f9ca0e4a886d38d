package app

// TEMPORARY (issue 21, area: password): a plain-text notify.LinkMailer over the notify.Sender the app
// already has, so that invitations and password resets are sent end to end now. The helper building
// the email templates implements notify.LinkMailer properly (text and HTML, themed, in the person's
// language); the merge replaces this file and its one use in app.go with that.

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/cocoondata/access-service/internal/notify"
)

type tempLinkMailer struct{ sender notify.Sender }

func (m tempLinkMailer) SendInvitation(ctx context.Context, l notify.LinkMail) error {
	return m.send(ctx, l, "You are invited: choose your password",
		"You have been given an account. Choose your password with this link, which works once, for %s:\n\n%s\n")
}

func (m tempLinkMailer) SendPasswordReset(ctx context.Context, l notify.LinkMail) error {
	return m.send(ctx, l, "Reset your password",
		"Someone, hopefully you, asked to reset your password. Choose a new one with this link, which works once, for %s:\n\n%s\n\nIf you did not ask, ignore this email: your password stays as it is.\n")
}

func (m tempLinkMailer) send(ctx context.Context, l notify.LinkMail, subject, body string) error {
	if l.OrgID != nil {
		ctx = notify.About(ctx, *l.OrgID)
	}
	greeting := "Hello,\n\n"
	if l.Name != "" {
		greeting = "Hello " + l.Name + ",\n\n"
	}
	return m.sender.Send(ctx, notify.Message{To: l.To, Subject: subject, Secret: true,
		Body: greeting + fmt.Sprintf(body, validityWords(l.Validity), l.Link)})
}

func validityWords(d time.Duration) string {
	if d < time.Hour {
		return strconv.Itoa(int(d/time.Minute)) + " minutes"
	}
	if h := int(d / time.Hour); h != 1 {
		return strconv.Itoa(h) + " hours"
	}
	return "1 hour"
}
