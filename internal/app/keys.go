package app

// The signing keys' administration: what `access-service keys` does, on a store opened by OpenStore
// (the command) or on a serving App (tests drive rotations through the same functions).

import (
	"context"
	"time"

	"github.com/cocoondata/access-service/internal/oauth"
)

// signingKeyOptions are the options' key settings, with the configuration's automatic rotation
// (ACCESS_SIGNING_KEY_ROTATION) and the app's logger.
func (a *App) signingKeyOptions() oauth.KeyOptions {
	o := a.keyOptions
	if o.Rotation == 0 {
		o.Rotation = a.Config.SigningKeyRotation
	}
	if o.Log == nil {
		o.Log = a.Log
	}
	return o
}

func (a *App) keyNow() time.Time { return a.signingKeyOptions().Resolved().Now() }

// RotateSigningKey adds a new signing key (`keys rotate`). It is published in the JWKS at once and signs,
// on every instance, after the signing delay (oauth.DefaultSigningDelay unless the options say
// otherwise), or at once with immediate (`keys rotate --now`: the other instances switch at their next
// reload). A serving App reloads its keys straight away.
func (a *App) RotateSigningKey(ctx context.Context, immediate bool) (oauth.KeyInfo, error) {
	delay := a.signingKeyDelay()
	if immediate {
		delay = 0
	}
	sk, _, err := oauth.AddKey(ctx, a.Store.OAuth(), a.keyNow(), delay, 0)
	if err != nil {
		return oauth.KeyInfo{}, err
	}
	if a.Keys != nil {
		if err := a.Keys.Reload(ctx); err != nil {
			return oauth.KeyInfo{}, err
		}
	}
	return a.signingKey(ctx, sk.KID)
}

// signingKeyDelay is the delay between publishing a key and signing with it, as oauth.Keys applies it.
func (a *App) signingKeyDelay() time.Duration { return a.signingKeyOptions().Resolved().SigningDelay }

// RetireSigningKey retires a key at once (`keys retire --kid`): for a leaked key, after `keys rotate
// --now`. Every instance drops it at its next reload; a serving App straight away.
func (a *App) RetireSigningKey(ctx context.Context, kid string) (oauth.KeyInfo, error) {
	info, err := oauth.RetireKey(ctx, a.Store.OAuth(), kid, a.keyNow())
	if err != nil {
		return info, err
	}
	if a.Keys != nil {
		if err := a.Keys.Reload(ctx); err != nil {
			return info, err
		}
	}
	return info, nil
}

// SigningKeys are every signing key's state now (`keys list`), oldest first.
func (a *App) SigningKeys(ctx context.Context) ([]oauth.KeyInfo, error) {
	return oauth.KeyStates(ctx, a.Store.OAuth(), a.keyNow())
}

func (a *App) signingKey(ctx context.Context, kid string) (oauth.KeyInfo, error) {
	all, err := a.SigningKeys(ctx)
	if err != nil {
		return oauth.KeyInfo{}, err
	}
	for _, k := range all {
		if k.KID == kid {
			return k, nil
		}
	}
	return oauth.KeyInfo{}, oauth.ErrKeyNotFound
}
