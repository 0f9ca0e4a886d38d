package notify

import "context"

type aboutKey struct{}

// About marks the messages sent with the returned context as about the organisation orgID (its removal,
// its members' MFA set-up): the theme's sender (theme.Mailer) then shows the organisation's own company
// name and links instead of the platform's. Carried in the context so that the senders' texts need not
// change.
func About(ctx context.Context, orgID int64) context.Context {
	return context.WithValue(ctx, aboutKey{}, orgID)
}

// OrganisationOf is the organisation the messages sent with ctx are about, if any (About).
func OrganisationOf(ctx context.Context) (int64, bool) {
	id, ok := ctx.Value(aboutKey{}).(int64)
	return id, ok && id != 0
}
