package oauth

import (
	"context"
	"errors"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/revocation"
)

// EndSession ends the sign-in session whose secret is raw (the browser's cookie): its row is deleted,
// so a copy of the cookie is refused from now on. An unknown or empty session is no error.
func (g *Grants) EndSession(ctx context.Context, raw string) error {
	if raw == "" {
		return nil
	}
	return g.store.DeleteSession(ctx, digest(raw))
}

// EndEverySession ends everything the user is signed in with, in one transaction: every sign-in
// session and refresh token, and (a revocation recorded for the user) every access token issued until
// now, refused on this instance once committed and on the others at their next poll.
func (g *Grants) EndEverySession(ctx context.Context, userID int64) error {
	var rev revocation.Entry
	err := g.store.InTx(ctx, func(ctx context.Context) error {
		now := g.now()
		if err := g.store.EndSessionsOfUser(ctx, userID, now); err != nil {
			return err
		}
		rev = g.revoked.ForUser(g.ids.New(), userID, now)
		return g.revoked.Record(ctx, rev)
	})
	if err != nil {
		return err
	}
	g.revoked.Add(rev)
	return nil
}

// RevokeApprovalOfApp is RevokeApproval for the user's approval of the app with this client id (the
// account page names apps by client id); ErrApprovalNotFound when there is none.
func (g *Grants) RevokeApprovalOfApp(ctx context.Context, userID int64, clientID string) error {
	app, err := g.apps.ByClientID(ctx, clientID)
	if errors.Is(err, clientapp.ErrNotFound) {
		return ErrApprovalNotFound
	}
	if err != nil {
		return err
	}
	a, err := g.store.Approval(ctx, userID, app.ID)
	if err != nil {
		return err
	}
	return g.RevokeApproval(ctx, userID, a.ID)
}
