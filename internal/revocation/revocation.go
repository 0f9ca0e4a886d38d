// Package revocation answers "was this access token revoked?" from memory, so checking a bearer token
// costs no database round trip.
//
// Access tokens are self-contained JWTs; revoking them means remembering, until they would have
// expired anyway, which ones no longer count. Four kinds of entry do that:
//   - a (user, client) pair: every token the client holds for the user, issued before a cutoff
//     (an approval was revoked);
//   - a client: every token of the client issued before a cutoff (the app was deleted or disabled);
//   - a user: every token of the user, whatever the client, issued before a cutoff (the user lost a
//     platform role the tokens carry);
//   - a single token, by jti (RFC 7009 revocation of one access token).
//
// Entries are written to the database in the same transaction as the change that causes them, added
// to the revoking instance's index at once, and picked up by every other instance by a cheap poll of
// the entries recorded since its previous poll (PollInterval).
package revocation

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Entry is one revocation.
type Entry struct {
	ID       int64
	UserID   int64  // 0: every user
	ClientID string // "": every client (with a UserID: every token of that user)
	TokenID  string // not "": only the token with this jti
	// Cutoff: tokens issued (iat) before it are revoked. Always a whole second, so a token's iat, which
	// is in whole seconds, compares exactly.
	Cutoff time.Time
	// ExpiresAt: after it no token the entry covers can still be valid, so it can be forgotten.
	ExpiresAt  time.Time
	RecordedAt time.Time
}

// MaxTokenLifetime is the longest an access token can live (the largest accessTokenValiditySeconds),
// plus the tolerated clock skew; entries covering every token of a pair or a client live this long.
const MaxTokenLifetime = 365*24*time.Hour + time.Minute

// ForToken is the entry revoking one token until it expires.
func ForToken(id int64, tokenID string, expiresAt, now time.Time) Entry {
	return Entry{ID: id, TokenID: tokenID, Cutoff: now.UTC().Truncate(time.Second).Add(time.Second), ExpiresAt: expiresAt.UTC(), RecordedAt: now.UTC()}
}

// ForPair is the entry revoking, as of now, every token the client holds for the user.
func (x *Index) ForPair(id, userID int64, clientID string, now time.Time) Entry {
	c := x.cutoff(userID, clientID, now)
	return Entry{ID: id, UserID: userID, ClientID: clientID, Cutoff: c, ExpiresAt: c.Add(MaxTokenLifetime), RecordedAt: now.UTC()}
}

// ForClient is the entry revoking, as of now, every token of the client.
func (x *Index) ForClient(id int64, clientID string, now time.Time) Entry {
	c := x.cutoff(0, clientID, now)
	return Entry{ID: id, ClientID: clientID, Cutoff: c, ExpiresAt: c.Add(MaxTokenLifetime), RecordedAt: now.UTC()}
}

// ForUser is the entry revoking, as of now, every token of the user, whatever its client.
func (x *Index) ForUser(id, userID int64, now time.Time) Entry {
	x.mu.RLock()
	dated := max(x.users[userKey(userID)], x.latestPairOfUser[userKey(userID)], x.latestClient)
	x.mu.RUnlock()
	c := cutoff(dated, now)
	return Entry{ID: id, UserID: userID, Cutoff: c, ExpiresAt: c.Add(MaxTokenLifetime), RecordedAt: now.UTC()}
}

// cutoff is the cutoff of a revocation made at now. A token's iat has whole seconds, so the cutoff is
// the next whole second: every token issued up to now has iat <= now (rounded down) and falls before
// it. Tokens issued after an earlier revocation of the same second were dated at that revocation's
// cutoff (see NotBefore), so the new cutoff must also lie beyond every cutoff that could have dated a
// token it covers (dated, the latest of them).
func cutoff(dated int64, now time.Time) time.Time {
	c := now.UTC().Truncate(time.Second).Unix() + 1
	if dated >= c {
		c = dated + 1
	}
	return time.Unix(c, 0).UTC()
}

// cutoff of a pair's revocation (userID != 0) or a client's.
func (x *Index) cutoff(userID int64, clientID string, now time.Time) time.Time {
	x.mu.RLock()
	dated := x.clients[clientID]
	if userID != 0 {
		dated = max(dated, x.pairs[pairKey{userID, clientID}], x.users[userKey(userID)])
	} else {
		dated = max(dated, x.latestPair[clientID], x.latestUser)
	}
	x.mu.RUnlock()
	return cutoff(dated, now)
}

// Store keeps the recorded entries.
type Store interface {
	// Since returns the entries recorded at or after since that have not expired at now.
	Since(ctx context.Context, since, now time.Time) ([]Entry, error)
	// Record stores an entry; called with a context that carries a transaction, it joins it.
	Record(ctx context.Context, e Entry) error
}

// PollInterval is how often an instance reads the entries other instances recorded: the bound on how
// long a revocation made on one instance takes to reach the others.
const PollInterval = 2 * time.Second

// pollOverlap is how far back each poll reads beyond the previous one, to cover entries whose
// transaction committed late and clocks that differ between instances (as much as tokens tolerate).
const pollOverlap = 30 * time.Second

type pairKey struct {
	user   int64
	client string
}

type userKey int64

// Index holds the live entries in memory.
type Index struct {
	store Store
	log   *slog.Logger
	now   func() time.Time

	mu      sync.RWMutex
	pairs   map[pairKey]int64 // cutoff, Unix seconds
	clients map[string]int64  // cutoff, Unix seconds
	users   map[userKey]int64 // cutoff, Unix seconds
	tokens  map[string]int64  // expiry, Unix seconds
	// The latest cutoffs that could have dated a token (see cutoff): of each client's pairs, of each
	// user's pairs, of every client and of every user.
	latestPair       map[string]int64
	latestPairOfUser map[userKey]int64
	latestClient     int64
	latestUser       int64
	expiry           map[any]int64 // when each pair/client/user key may be forgotten
	polled           time.Time     // start of the last successful poll
}

// NewIndex returns an empty index over the store.
func NewIndex(s Store, log *slog.Logger) *Index {
	return &Index{
		store: s, log: log, now: func() time.Time { return time.Now().UTC() },
		pairs: map[pairKey]int64{}, clients: map[string]int64{}, users: map[userKey]int64{}, tokens: map[string]int64{},
		expiry: map[any]int64{}, latestPair: map[string]int64{}, latestPairOfUser: map[userKey]int64{},
	}
}

// Revoked reports whether an access token, issued to clientID for userID at issuedAt with this jti,
// has been revoked. It takes a read lock and a few map look-ups; it never touches the database.
func (x *Index) Revoked(userID int64, clientID, tokenID string, issuedAt time.Time) bool {
	iat := issuedAt.Unix()
	x.mu.RLock()
	defer x.mu.RUnlock()
	if c, ok := x.clients[clientID]; ok && iat < c {
		return true
	}
	if c, ok := x.pairs[pairKey{userID, clientID}]; ok && iat < c {
		return true
	}
	if c, ok := x.users[userKey(userID)]; ok && iat < c {
		return true
	}
	_, ok := x.tokens[tokenID]
	return ok
}

// NotBefore is the earliest issue time a new token for the pair may carry so that the revocations
// known so far do not cover it: the latest cutoff of the pair and of the client, or zero.
func (x *Index) NotBefore(userID int64, clientID string) time.Time {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c := max(x.clients[clientID], x.pairs[pairKey{userID, clientID}], x.users[userKey(userID)])
	if c == 0 {
		return time.Time{}
	}
	return time.Unix(c, 0).UTC()
}

// Record stores the entry, in the transaction ctx carries if any: the caller's change and the
// revocation it causes commit together. It does not touch the index: once the transaction has
// committed, the caller adds the entry (Add), so a rolled-back change revokes nothing.
func (x *Index) Record(ctx context.Context, e Entry) error { return x.store.Record(ctx, e) }

// Add records entries in the index. Adding an entry twice, or an older one after a newer, is harmless:
// the latest cutoff wins.
func (x *Index) Add(entries ...Entry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range entries {
		exp := e.ExpiresAt.Unix()
		switch {
		case e.TokenID != "":
			x.tokens[e.TokenID] = exp
		case e.UserID != 0 && e.ClientID == "":
			k := userKey(e.UserID)
			x.users[k] = max(x.users[k], e.Cutoff.Unix())
			x.latestUser = max(x.latestUser, e.Cutoff.Unix())
			x.expiry[k] = max(x.expiry[k], exp)
		case e.UserID != 0:
			k := pairKey{e.UserID, e.ClientID}
			x.pairs[k] = max(x.pairs[k], e.Cutoff.Unix())
			x.latestPair[e.ClientID] = max(x.latestPair[e.ClientID], e.Cutoff.Unix())
			x.latestPairOfUser[userKey(e.UserID)] = max(x.latestPairOfUser[userKey(e.UserID)], e.Cutoff.Unix())
			x.expiry[k] = max(x.expiry[k], exp)
		default:
			x.clients[e.ClientID] = max(x.clients[e.ClientID], e.Cutoff.Unix())
			x.latestClient = max(x.latestClient, e.Cutoff.Unix())
			x.expiry[e.ClientID] = max(x.expiry[e.ClientID], exp)
		}
	}
}

// Poll reads the entries recorded since the previous poll (all live ones on the first) and forgets
// expired ones.
func (x *Index) Poll(ctx context.Context) error {
	start := x.now()
	x.mu.RLock()
	since := x.polled
	x.mu.RUnlock()
	if !since.IsZero() {
		since = since.Add(-pollOverlap)
	}
	entries, err := x.store.Since(ctx, since, start)
	if err != nil {
		return err
	}
	x.Add(entries...)
	x.mu.Lock()
	x.polled = start
	x.forgetExpired(start.Unix())
	x.mu.Unlock()
	return nil
}

func (x *Index) forgetExpired(now int64) {
	for k, exp := range x.tokens {
		if exp < now {
			delete(x.tokens, k)
		}
	}
	for k, exp := range x.expiry {
		if exp >= now {
			continue
		}
		delete(x.expiry, k)
		switch k := k.(type) {
		case pairKey:
			delete(x.pairs, k)
		case string:
			delete(x.clients, k)
		case userKey:
			delete(x.users, k)
		}
	}
}

// Stats is a snapshot of the index, for the metrics.
type Stats struct {
	// Tokens, Pairs, Clients and Users count the entries of each kind held now.
	Tokens, Pairs, Clients, Users int
	// Polled is the start of the last successful poll (zero before the first).
	Polled time.Time
}

// Stats reads the index's sizes and the time of its last successful poll.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return Stats{Tokens: len(x.tokens), Pairs: len(x.pairs), Clients: len(x.clients), Users: len(x.users), Polled: x.polled}
}

// Run polls every interval until ctx ends. A failed poll is logged and retried at the next tick; the
// entries it missed are read then, since each poll reads from the last successful one.
func (x *Index) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := x.Poll(ctx); err != nil && ctx.Err() == nil {
				x.log.Warn("reading token revocations failed; retrying", "error", err.Error())
			}
		}
	}
}
