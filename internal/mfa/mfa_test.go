package mfa_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/cocoondata/access-service/internal/mfa"
	"github.com/cocoondata/access-service/internal/store"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/user"
)

// clock is the tests' movable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// start is 10 s into a time step.
var start = time.Date(2026, 3, 2, 9, 0, 10, 0, time.UTC)

// env is the MFA service over a real store, with a movable clock, and the secrets the test has seen:
// no error may contain any of them.
type env struct {
	t       *testing.T
	svc     *mfa.Service
	st      *store.Store
	clock   *clock
	secrets []string
	nextID  int64
}

func newEnv(t *testing.T, databaseURL string) *env {
	t.Helper()
	st := testutil.OpenStore(t, databaseURL)
	c := &clock{t: start}
	return &env{t: t, st: st, clock: c, svc: mfa.NewService(st.MFA(), mfa.Options{Now: c.Now}), nextID: 1000}
}

// backends are the stores the tests run on: PostgreSQL, and the embedded SQLite store.
var backends = map[string]func(testing.TB) string{"postgres": testutil.NewPostgres, "sqlite": testutil.NewSQLite}

// forEach runs the test on each backend.
func forEach(t *testing.T, test func(t *testing.T, e *env)) {
	for name, url := range backends {
		t.Run(name, func(t *testing.T) { test(t, newEnv(t, url(t))) })
	}
}

// newUser creates an account and returns its id and email.
func (e *env) newUser() (int64, string) {
	e.t.Helper()
	e.nextID++
	email := fmt.Sprintf("user%d@example.com", e.nextID)
	if err := e.st.Users().Create(context.Background(), user.User{ID: e.nextID, Email: email, CreatedAt: start}); err != nil {
		e.t.Fatal(err)
	}
	return e.nextID, email
}

// code is key's code at the clock's time moved by steps periods; it is remembered as a secret.
func (e *env) code(key string, steps int) string {
	e.t.Helper()
	c, err := totp.GenerateCodeCustom(key, e.clock.Now().Add(time.Duration(steps)*mfa.Period),
		totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		e.t.Fatal(err)
	}
	e.secret(c)
	return c
}

func (e *env) secret(s string) { e.secrets = append(e.secrets, s) }

// want checks that err is want (nil for none) and that its text holds none of the secrets seen.
func (e *env) want(err, want error) {
	e.t.Helper()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		e.t.Fatalf("got error %v, want %v", err, want)
	}
	if err == nil {
		return
	}
	for _, s := range e.secrets {
		if strings.Contains(err.Error(), s) {
			e.t.Fatalf("the error %q tells a secret", err)
		}
	}
}

// pair starts and confirms a pairing for a new user and returns the user's id and key.
func (e *env) pair() (int64, string) {
	e.t.Helper()
	id, email := e.newUser()
	p, err := e.svc.StartPairing(context.Background(), id, email)
	e.want(err, nil)
	e.secret(p.Key)
	e.want(e.svc.ConfirmPairing(context.Background(), id, e.code(p.Key, 0)), nil)
	return id, p.Key
}

func (e *env) configured(id int64) bool {
	e.t.Helper()
	s, err := e.svc.Status(context.Background(), id)
	e.want(err, nil)
	if s.Configured != (s.PairedAt != nil) {
		e.t.Fatalf("status %+v: PairedAt set iff Configured", s)
	}
	return s.Configured
}

var base32Key = regexp.MustCompile(`^[A-Z2-7]{32}$`) // 160 bits

// TestPairing: a pending key is not active; a wrong code changes nothing; the right code pairs it and
// counts as used; a new pairing replaces the old key only once confirmed.
func TestPairing(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		id, email := e.newUser()
		if e.configured(id) {
			t.Fatal("configured before pairing")
		}
		e.want(e.svc.Verify(ctx, id, "123456"), mfa.ErrNotConfigured)
		e.want(e.svc.ConfirmPairing(ctx, id, "123456"), mfa.ErrNoPairing)

		p, err := e.svc.StartPairing(ctx, id, email)
		e.want(err, nil)
		e.secret(p.Key)
		if !base32Key.MatchString(p.Key) {
			t.Fatalf("key %q is not 32 base32 characters (160 bits)", p.Key)
		}
		u, err := url.Parse(p.URI)
		if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/SafeShare:"+email {
			t.Fatalf("URI %q: %v", p.URI, err)
		}
		for k, v := range map[string]string{"secret": p.Key, "issuer": "SafeShare", "algorithm": "SHA1", "digits": "6", "period": "30"} {
			if got := u.Query().Get(k); got != v {
				t.Errorf("URI's %s is %q, want %q", k, got, v)
			}
		}
		qr, err := p.QR()
		e.want(err, nil)
		img, err := png.Decode(bytes.NewReader(qr))
		if err != nil {
			t.Fatalf("QR is not a PNG: %v", err)
		}
		if b := img.Bounds(); b.Dx() != mfa.QRSize || b.Dy() != mfa.QRSize {
			t.Errorf("QR is %v, want %d px square", b, mfa.QRSize)
		}
		if e.configured(id) {
			t.Fatal("a pending key counts as configured")
		}
		e.want(e.svc.Verify(ctx, id, e.code(p.Key, 0)), mfa.ErrNotConfigured)

		// Wrong and malformed codes change nothing.
		right := e.code(p.Key, 0)
		wrong := fmt.Sprintf("%06d", (atoi(right)+1)%1_000_000)
		for _, c := range []string{wrong, e.code(p.Key, 2), e.code(p.Key, -2), "", "12345", "1234567", "12345a", " " + right[1:], right + "\n", "１２３４５６"} {
			e.want(e.svc.ConfirmPairing(ctx, id, c), mfa.ErrWrongCode)
		}
		if e.configured(id) {
			t.Fatal("configured by a wrong code")
		}

		// One step of skew is accepted when pairing too.
		e.want(e.svc.ConfirmPairing(ctx, id, e.code(p.Key, -1)), nil)
		s, err := e.svc.Status(ctx, id)
		e.want(err, nil)
		if !s.Configured || !s.PairedAt.Equal(start) {
			t.Fatalf("status after pairing: %+v", s)
		}
		e.want(e.svc.ConfirmPairing(ctx, id, right), mfa.ErrNoPairing)
		// The pairing's code, and any earlier one, are used.
		e.want(e.svc.Verify(ctx, id, e.code(p.Key, -1)), mfa.ErrReplayed)
		e.want(e.svc.Verify(ctx, id, right), nil)

		// A new pairing: the old key works until the new one is confirmed, and not after.
		e.clock.Add(mfa.Period)
		p2, err := e.svc.StartPairing(ctx, id, email)
		e.want(err, nil)
		e.secret(p2.Key)
		if p2.Key == p.Key {
			t.Fatal("a new pairing has the old key")
		}
		e.want(e.svc.Verify(ctx, id, e.code(p.Key, 0)), nil)
		e.clock.Add(mfa.Period)
		e.want(e.svc.ConfirmPairing(ctx, id, e.code(p2.Key, 0)), nil)
		e.clock.Add(mfa.Period)
		e.want(e.svc.Verify(ctx, id, e.code(p.Key, 0)), mfa.ErrWrongCode)
		e.want(e.svc.Verify(ctx, id, e.code(p2.Key, 0)), nil)

		// No such user.
		_, err = e.svc.StartPairing(ctx, 1, "nobody@example.com")
		e.want(err, user.ErrNotFound)
	})
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// TestReplay: a code works once, even within its step; the next step's code works; a code of a step
// before one used is refused as a replay, and a wrong code is still a wrong code.
func TestReplay(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		id, key := e.pair()
		e.clock.Add(mfa.Period)
		c := e.code(key, 0)
		e.want(e.svc.Verify(ctx, id, c), nil)
		e.want(e.svc.Verify(ctx, id, c), mfa.ErrReplayed)
		e.clock.Add(20 * time.Second) // the same step still counts within its skew
		e.want(e.svc.Verify(ctx, id, c), mfa.ErrReplayed)
		e.clock.Add(10 * time.Second)
		e.want(e.svc.Verify(ctx, id, e.code(key, 0)), nil)
		// A code for the next step (the phone's clock ahead), then the current one: refused.
		e.clock.Add(mfa.Period)
		e.want(e.svc.Verify(ctx, id, e.code(key, 1)), nil)
		e.want(e.svc.Verify(ctx, id, e.code(key, 0)), mfa.ErrReplayed)
		e.want(e.svc.Verify(ctx, id, "000000"), errIfDifferent(e, key, "000000"))
	})
}

// errIfDifferent is what Verify says of code now: ErrWrongCode unless it happens to be a code of key
// within the skew (1 in 333,333).
func errIfDifferent(e *env, key, code string) error {
	for d := -mfa.Skew; d <= mfa.Skew; d++ {
		if e.code(key, d) == code {
			return mfa.ErrReplayed
		}
	}
	return mfa.ErrWrongCode
}

// TestSkew: a code of one step before or after the current one is accepted; two steps either way is
// refused as wrong.
func TestSkew(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			steps int
			want  error
		}{{-2, mfa.ErrWrongCode}, {-1, nil}, {0, nil}, {1, nil}, {2, mfa.ErrWrongCode}, {-10, mfa.ErrWrongCode}, {10, mfa.ErrWrongCode}} {
			id, key := e.pair()
			e.clock.Add(10 * mfa.Period)
			e.want(e.svc.Verify(context.Background(), id, e.code(key, tc.steps)), tc.want)
		}
	})
}

// TestConcurrentUse: many requests with one code at once; exactly one is accepted, the others are
// replays.
func TestConcurrentUse(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		id, key := e.pair()
		for round := range 5 {
			e.clock.Add(mfa.Period)
			c := e.code(key, 0)
			const n = 16
			errs := make(chan error, n)
			var ready, wg sync.WaitGroup
			ready.Add(1)
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ready.Wait()
					errs <- e.svc.Verify(context.Background(), id, c)
				}()
			}
			ready.Done()
			wg.Wait()
			close(errs)
			ok := 0
			for err := range errs {
				if err == nil {
					ok++
					continue
				}
				if !errors.Is(err, mfa.ErrReplayed) {
					t.Fatalf("round %d: %v, want ErrReplayed", round, err)
				}
			}
			if ok != 1 {
				t.Fatalf("round %d: %d of %d concurrent uses of one code accepted, want 1", round, ok, n)
			}
		}
	})
}

// TestForget: forgetting removes the active key and a pending one; forgetting nothing is no error.
func TestForget(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		id, key := e.pair()
		p, err := e.svc.StartPairing(ctx, id, "x@example.com")
		e.want(err, nil)
		e.secret(p.Key)
		e.want(e.svc.Forget(ctx, id), nil)
		if e.configured(id) {
			t.Fatal("configured after Forget")
		}
		e.clock.Add(mfa.Period)
		e.want(e.svc.Verify(ctx, id, e.code(key, 0)), mfa.ErrNotConfigured)
		e.want(e.svc.ConfirmPairing(ctx, id, e.code(p.Key, 0)), mfa.ErrNoPairing)
		e.want(e.svc.Forget(ctx, id), nil)
		// Another user's authenticator is untouched.
		other, otherKey := e.pair()
		e.want(e.svc.Forget(ctx, id), nil)
		e.clock.Add(mfa.Period)
		e.want(e.svc.Verify(ctx, other, e.code(otherKey, 0)), nil)
	})
}

// TestSetupLink: a link is opened (twice: the same key), a wrong code leaves it usable, the right code
// pairs and spends it; it then is used; after its validity (DefaultSetupLinkValidity) it is expired; a new link expires the old one.
func TestSetupLink(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		id, email := e.newUser()
		// A pending key from before the link is not the link's.
		early, err := e.svc.StartPairing(ctx, id, email)
		e.want(err, nil)
		e.secret(early.Key)
		e.clock.Add(time.Second)

		token, expires, err := e.svc.NewSetupLink(ctx, id)
		e.want(err, nil)
		e.secret(token)
		if len(token) < 22 || !regexp.MustCompile(`^[A-Za-z0-9_-]+$`).MatchString(token) {
			t.Fatalf("token %q is not at least 128 bits of URL-safe text", token)
		}
		if want := e.clock.Now().Add(mfa.DefaultSetupLinkValidity); !expires.Equal(want) {
			t.Fatalf("expires %v, want %v", expires, want)
		}
		e.storedOnlyAsDigest(token)

		_, err = e.svc.CompleteSetupLink(ctx, token, "123456")
		e.want(err, mfa.ErrNoPairing) // never opened
		got, p, err := e.svc.OpenSetupLink(ctx, token)
		e.want(err, nil)
		e.secret(p.Key)
		if k, err := otp.NewKeyFromURL(p.URI); got != id || p.Key == early.Key || err != nil || k.AccountName() != email || k.Secret() != p.Key {
			t.Fatalf("open: user %d, key reused %v, URI %q", got, p.Key == early.Key, p.URI)
		}
		e.clock.Add(time.Minute)
		_, again, err := e.svc.OpenSetupLink(ctx, token)
		e.want(err, nil)
		if again != p {
			t.Fatal("opening the link again shows another key")
		}

		_, err = e.svc.CompleteSetupLink(ctx, token, e.code(p.Key, 3))
		e.want(err, mfa.ErrWrongCode)
		_, err = e.svc.CompleteSetupLink(ctx, token, "12e456")
		e.want(err, mfa.ErrWrongCode)
		if e.configured(id) {
			t.Fatal("configured by a wrong code")
		}
		_, again, err = e.svc.OpenSetupLink(ctx, token)
		e.want(err, nil)
		if again != p {
			t.Fatal("a wrong code changed the link's key")
		}
		got, err = e.svc.CompleteSetupLink(ctx, token, e.code(p.Key, 0))
		e.want(err, nil)
		if got != id || !e.configured(id) {
			t.Fatalf("complete: user %d, configured %v", got, e.configured(id))
		}
		e.want(e.svc.Verify(ctx, id, e.code(p.Key, 0)), mfa.ErrReplayed)
		e.clock.Add(mfa.Period)
		e.want(e.svc.Verify(ctx, id, e.code(p.Key, 0)), nil)

		_, err = e.svc.CompleteSetupLink(ctx, token, e.code(p.Key, 0))
		e.want(err, mfa.ErrLinkUsed)
		_, _, err = e.svc.OpenSetupLink(ctx, token)
		e.want(err, mfa.ErrLinkUsed)
		e.clock.Add(25 * time.Hour)
		_, _, err = e.svc.OpenSetupLink(ctx, token)
		e.want(err, mfa.ErrLinkUsed)

		for _, bad := range []string{"", "nope", token[:len(token)-1], strings.Repeat("a", 2000)} {
			_, _, err = e.svc.OpenSetupLink(ctx, bad)
			e.want(err, mfa.ErrLinkUnknown)
			_, err = e.svc.CompleteSetupLink(ctx, bad, "123456")
			e.want(err, mfa.ErrLinkUnknown)
		}

		// Expiry: usable until its validity ends, not after.
		token, _, err = e.svc.NewSetupLink(ctx, id)
		e.want(err, nil)
		e.secret(token)
		e.clock.Add(mfa.DefaultSetupLinkValidity - time.Second)
		_, p, err = e.svc.OpenSetupLink(ctx, token)
		e.want(err, nil)
		e.secret(p.Key)
		e.clock.Add(time.Second)
		_, _, err = e.svc.OpenSetupLink(ctx, token)
		e.want(err, mfa.ErrLinkExpired)
		_, err = e.svc.CompleteSetupLink(ctx, token, e.code(p.Key, 0))
		e.want(err, mfa.ErrLinkExpired)

		// A new link expires the user's earlier unused ones, and no one else's.
		other, _ := e.newUser()
		first, _, err := e.svc.NewSetupLink(ctx, id)
		e.want(err, nil)
		otherToken, _, err := e.svc.NewSetupLink(ctx, other)
		e.want(err, nil)
		e.clock.Add(time.Second)
		second, _, err := e.svc.NewSetupLink(ctx, id)
		e.want(err, nil)
		e.secret(first)
		e.secret(second)
		e.secret(otherToken)
		_, _, err = e.svc.OpenSetupLink(ctx, first)
		e.want(err, mfa.ErrLinkExpired)
		_, p, err = e.svc.OpenSetupLink(ctx, second)
		e.want(err, nil)
		e.secret(p.Key)
		_, _, err = e.svc.OpenSetupLink(ctx, otherToken)
		e.want(err, nil)
		// The second link replaces the already paired key.
		e.clock.Add(mfa.Period)
		_, err = e.svc.CompleteSetupLink(ctx, second, e.code(p.Key, 0))
		e.want(err, nil)
		e.clock.Add(mfa.Period)
		e.want(e.svc.Verify(ctx, id, e.code(p.Key, 0)), nil)

		_, _, err = e.svc.NewSetupLink(ctx, 1)
		e.want(err, user.ErrNotFound)
	})
}

// storedOnlyAsDigest checks that the link's row is found by the token's SHA-256, and that the token
// itself is nowhere in it.
func (e *env) storedOnlyAsDigest(token string) {
	e.t.Helper()
	sum := sha256.Sum256([]byte(token))
	l, err := e.st.MFA().Link(context.Background(), hex.EncodeToString(sum[:]))
	e.want(err, nil)
	if strings.Contains(fmt.Sprintf("%+v", l), token) {
		e.t.Fatal("the stored link holds its token")
	}
	_, err = e.st.MFA().Link(context.Background(), token)
	e.want(err, mfa.ErrLinkUnknown)
}

// TestOtherUsersCodesRefused: a code of one user's key, for any step within the skew, does not work for
// another user (unless, by a 1-in-333,333 chance, it is also one of theirs).
func TestOtherUsersCodesRefused(t *testing.T) {
	e := newEnv(t, testutil.NewPostgres(t))
	ctx := context.Background()
	type paired struct {
		id  int64
		key string
	}
	var users []paired
	for range 4 {
		id, key := e.pair()
		users = append(users, paired{id, key})
	}
	for round := range 5 {
		e.clock.Add(time.Duration(round*7+1) * mfa.Period)
		for _, from := range users {
			for _, to := range users {
				if from == to {
					continue
				}
				for d := -mfa.Skew; d <= mfa.Skew; d++ {
					c := e.code(from.key, d)
					if errIfDifferent(e, to.key, c) != mfa.ErrWrongCode {
						continue // also one of to's codes
					}
					if err := e.svc.Verify(ctx, to.id, c); !errors.Is(err, mfa.ErrWrongCode) {
						t.Fatalf("round %d: user %d's code (step %+d) for user %d: %v, want ErrWrongCode", round, from.id, d, to.id, err)
					}
				}
			}
		}
	}
}

// TestIssuer: Options.Issuer names the issuer in the URI.
func TestIssuer(t *testing.T) {
	st := testutil.OpenStore(t, testutil.NewSQLite(t))
	svc := mfa.NewService(st.MFA(), mfa.Options{Issuer: "Acme Files"})
	if err := st.Users().Create(context.Background(), user.User{ID: 7, Email: "a@example.com", CreatedAt: start}); err != nil {
		t.Fatal(err)
	}
	p, err := svc.StartPairing(context.Background(), 7, "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	k, err := otp.NewKeyFromURL(p.URI)
	if err != nil || k.Issuer() != "Acme Files" || k.AccountName() != "a@example.com" || k.Secret() != p.Key {
		t.Fatalf("URI %q: %v", p.URI, err)
	}
}

// TestConcurrentSetupLinks: links made for one user at once are ordered; only one of them works.
func TestConcurrentSetupLinks(t *testing.T) {
	forEach(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		id, _ := e.newUser()
		const n = 8
		tokens := make(chan string, n)
		var ready, wg sync.WaitGroup
		ready.Add(1)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ready.Wait()
				token, _, err := e.svc.NewSetupLink(ctx, id)
				if err != nil {
					t.Error(err)
				}
				tokens <- token
			}()
		}
		ready.Done()
		wg.Wait()
		close(tokens)
		usable := 0
		for token := range tokens {
			e.secret(token)
			_, _, err := e.svc.OpenSetupLink(ctx, token)
			if err == nil {
				usable++
			} else {
				e.want(err, mfa.ErrLinkExpired)
			}
		}
		if usable != 1 {
			t.Fatalf("%d of %d links made at once work, want 1", usable, n)
		}
	})
}
