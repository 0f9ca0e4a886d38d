// Package app wires the service together from its configuration: the store, the domain services, the
// keys and the HTTP handler. The binary and the tests build the service through it alike.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/classification"
	"github.com/cocoondata/access-service/internal/clearance"
	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/config"
	"github.com/cocoondata/access-service/internal/contact"
	"github.com/cocoondata/access-service/internal/httpapi"
	"github.com/cocoondata/access-service/internal/i18n"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/metrics"
	"github.com/cocoondata/access-service/internal/mfa"
	"github.com/cocoondata/access-service/internal/notify"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/password"
	"github.com/cocoondata/access-service/internal/passwordlink"
	"github.com/cocoondata/access-service/internal/plan"
	"github.com/cocoondata/access-service/internal/property"
	"github.com/cocoondata/access-service/internal/report"
	"github.com/cocoondata/access-service/internal/revocation"
	"github.com/cocoondata/access-service/internal/sharing"
	"github.com/cocoondata/access-service/internal/store"
	"github.com/cocoondata/access-service/internal/theme"
	"github.com/cocoondata/access-service/internal/user"
	"github.com/cocoondata/access-service/internal/whitelist"
)

// Options are the knobs that are not configuration: tests turn them, the binary leaves them zero.
type Options struct {
	Logger                          *slog.Logger
	PasswordParams                  *password.Params // nil: password.Production
	PerClientLimit, PerAddressLimit httpapi.RateLimit
	Mailer                          notify.Sender // nil: SMTP when ACCESS_SMTP_URL is set, else the log
	ImportTimeout                   time.Duration // zero: httpapi.DefaultImportTimeout

	// Keys tune the signing keys' reload and delays (keys.go); zero: the defaults.
	Keys oauth.KeyOptions
	// TracerProvider makes the spans (tests: an in-process exporter's); nil: the OTEL_* variables'.
	TracerProvider trace.TracerProvider
}

// App is the running service's parts.
type App struct {
	Config     config.Config
	Log        *slog.Logger
	Store      *store.Store
	IDs        *ids.Generator
	Users      *user.Service
	Apps       *clientapp.Service
	Properties *property.Service
	// Theme is the platform's theme ("System Details").
	Theme *theme.Service
	Orgs  *organisation.Service
	// MFA is the users' second factor (authenticator apps and their set-up links).
	MFA       *mfa.Service
	Audit     *audit.Service
	Whitelist *whitelist.Service
	Plans     *plan.Service
	Reports   *report.Service
	// Activity is the sign-in dashboard, from the daily counts the audit trail keeps.
	Activity *report.Activity
	Keys     *oauth.Keys
	Tokens   *oauth.Tokens
	Grants   *oauth.Grants

	// Classifications and Clearances are the organisations' labels and groups; Sharing decides, from
	// them and the whitelist, who may be shared a file.
	Classifications *classification.Service
	Clearances      *clearance.Service
	Sharing         *sharing.Service

	// Contacts are the users' own address books.
	Contacts *contact.Service
	// PasswordLinks are the emailed invitations and password resets.
	PasswordLinks *passwordlink.Service
	// I18n is the languages of the pages and emails: bundles, locales, the platform's default.
	I18n *i18n.Service
	// LinkMail sends the invitation and password reset emails (templated, themed, in the person's language).
	LinkMail notify.LinkMailer

	// Hasher is the password hasher the services share (tests count its checks).
	Hasher *password.Hasher
	// Revocations is the in-memory index of revoked access tokens; Open loads it and keeps it fresh
	// (revocation.PollInterval) until Close.
	Revocations *revocation.Index
	Handler     http.Handler
	// Metrics is the service's Prometheus registry (metrics.go); ServeMetrics serves it.
	Metrics *metrics.Registry

	// The token, revocation and introspection endpoints' rate limits: the options', else the
	// configuration's, else the defaults.
	perClient, perAddress httpapi.RateLimit
	importTimeout         time.Duration
	keyOptions            oauth.KeyOptions
	stopPolling           context.CancelFunc

	// Tracer makes the requests' spans; nil: tracing off. ownTracer is the one Open made (tracing.go).
	Tracer    trace.TracerProvider
	ownTracer *sdktrace.TracerProvider
}

// DatabaseError says the database could not be opened or migrated.
type DatabaseError struct{ Err error }

func (e *DatabaseError) Error() string { return "ACCESS_DATABASE_URL: " + e.Err.Error() }
func (e *DatabaseError) Unwrap() error { return e.Err }

// Open connects to the store, applies the migrations and builds the service.
func Open(ctx context.Context, cfg config.Config, opts Options) (*App, error) {
	a, err := OpenStore(ctx, cfg, opts)
	if err != nil {
		return nil, err
	}
	if err := a.setConfiguredProperties(ctx); err != nil {
		_ = a.Close()
		return nil, err
	}
	if err := a.startTracing(ctx, opts); err != nil {
		_ = a.Close()
		return nil, err
	}
	if err := a.build(ctx); err != nil {
		_ = a.Close()
		return nil, err
	}
	return a, nil
}

// setConfiguredProperties writes the service URLs the configuration names (ACCESS_CONTENT_SERVICE_URL,
// ACCESS_WEBAPP_URL) to their platform properties, at every start that names them: the configuration
// wins over a value an administrator set since. A value already there is not written again.
func (a *App) setConfiguredProperties(ctx context.Context) error {
	for _, p := range []struct{ variable, name, value string }{
		{"ACCESS_CONTENT_SERVICE_URL", property.ContentServiceURL, a.Config.ContentServiceURL},
		{"ACCESS_WEBAPP_URL", property.WebappServiceURL, a.Config.WebappURL},
	} {
		if p.value == "" {
			continue
		}
		snap, err := a.Properties.Current(ctx)
		if err != nil {
			return &DatabaseError{err}
		}
		if v, _ := snap.Value(p.name); v == p.value {
			continue
		}
		if _, err := a.Properties.SetByName(ctx, p.name, p.value); err != nil {
			return fmt.Errorf("%s: cannot set %s: %w", p.variable, p.name, err)
		}
		a.Log.Info("set a platform property from the configuration", "property", p.name, "value", p.value)
	}
	return nil
}

// OpenStore connects to the store, applies the migrations and builds the domain services, without keys
// or HTTP: enough for the command-line subcommands.
func OpenStore(ctx context.Context, cfg config.Config, opts Options) (*App, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := checkDataFolder(cfg.DatabaseURL); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, &DatabaseError{err}
	}
	if err := st.Migrate(ctx); err != nil {
		_ = st.Close()
		return nil, &DatabaseError{err}
	}
	gen, err := ids.NewGenerator()
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	params := opts.PasswordParams
	if params == nil {
		params = password.Production
	}
	hasher := password.NewHasher(params)
	props := property.NewService(st.Properties())
	themes := theme.NewService(st.Theme())
	revoked := revocation.NewIndex(st.Revocations(), log)
	mailer := opts.Mailer
	if mailer == nil {
		if mailer, err = notify.New(cfg.SMTPURL, noReplyAddress(cfg.Issuer), log); err != nil {
			_ = st.Close()
			return nil, err
		}
	}
	// Every email is written from its templates here, in its language, with the theme (an organisation's
	// own names and links in those about it).
	languages := i18n.NewService(st.I18n(), log)
	themed := theme.NewMailer(mailer, themes, st.Organisations(), log)
	themed.SetTexts(languages)
	mailer = themed
	perClient, perAddress := rateLimits(cfg, opts)
	orgs := organisation.NewService(st.Organisations(), st.Users(), gen, mailer, log)
	a := &App{
		Config: cfg, Log: log, Store: st, IDs: gen, Properties: props, Theme: themes, I18n: languages, Revocations: revoked, Hasher: hasher,
		perClient: perClient, perAddress: perAddress, importTimeout: opts.ImportTimeout, keyOptions: opts.Keys,
		Users: user.NewService(st.Users(), st.OAuth(), gen, hasher, props, revoked),
		Apps:  clientapp.NewService(st.ClientApps(), st.OAuth(), gen, hasher, revoked),
		Orgs:  orgs,
		MFA: mfa.NewService(st.MFA(), mfa.Options{Organisations: orgs, Mailer: mailer, Log: log,
			LinkBase:     strings.TrimSuffix(cfg.Issuer, "/") + "/api/oauth/mfa/setup?token=",
			LinkValidity: props.TemporaryLinkValidity}),
		Audit:     audit.NewService(st.Audit(), gen, log),
		Whitelist: whitelist.NewService(st.Whitelist(), gen),
		Plans:     plan.NewService(st.Plans(), gen),
		Reports:   report.NewService(st.Statistics()),
		Activity:  report.NewActivity(st.Activity()),

		Classifications: classification.NewService(st.Classifications(), gen),
		Clearances:      clearance.NewService(st.Clearances(), gen),
		Sharing:         sharing.NewService(st.Whitelist(), st.Clearances()),

		Contacts: contact.NewService(st.Contacts(), gen),
		LinkMail: notify.NewLinkMailer(mailer),
	}
	orgs.SetMFAEnrolment(a.MFA)
	a.PasswordLinks = passwordlink.NewService(st.PasswordLinks(), a.Users, passwordlink.Options{
		Mailer: a.LinkMail, Log: log, InvitationValidity: props.TemporaryLinkValidity,
		LinkBase: strings.TrimSuffix(cfg.Issuer, "/") + "/api/oauth/password/choose?token="})
	orgs.SetInvitations(a.PasswordLinks)
	orgs.SetRemovalLapse(themes.RemovalActionDays, recordLapse(a.Audit, log))
	return a, nil
}

// BuildAuthorizationServer loads the signing keys and the recorded revocations and builds the
// authorization server over the domain services (Keys, Tokens, Grants): what serving needs beyond
// OpenStore before HTTP, and what the domain tests need without HTTP.
func (a *App) BuildAuthorizationServer(ctx context.Context) error {
	keys, err := oauth.LoadKeys(ctx, a.Store.OAuth(), a.signingKeyOptions())
	if err != nil {
		return fmt.Errorf("loading signing keys: %w", err)
	}
	a.Keys = keys
	if err := a.Revocations.Poll(ctx); err != nil {
		return fmt.Errorf("loading token revocations: %w", err)
	}
	a.Tokens = oauth.NewTokens(keys, a.Config.Issuer, a.Revocations)
	a.Grants = oauth.NewGrants(a.Tokens, a.Users, a.Apps, a.Store.OAuth(), a.IDs, a.Revocations, httpapi.NewRateLimiter(a.perClient))
	a.Grants.SetSecondFactor(a.MFA)
	return nil
}

// rateLimits are the token, revocation and introspection endpoints' limits per client and per address:
// the options' (tests), else the configuration's (requests per second, bursts of twice that), else the
// defaults.
func rateLimits(cfg config.Config, opts Options) (perClient, perAddress httpapi.RateLimit) {
	pick := func(opt httpapi.RateLimit, configured float64, def httpapi.RateLimit) httpapi.RateLimit {
		switch {
		case opt != (httpapi.RateLimit{}):
			return opt
		case configured > 0:
			return httpapi.RateLimit{PerSecond: configured, Burst: int(math.Ceil(2 * configured))}
		}
		return def
	}
	return pick(opts.PerClientLimit, cfg.TokenRatePerClient, httpapi.DefaultPerClientLimit),
		pick(opts.PerAddressLimit, cfg.TokenRatePerAddress, httpapi.DefaultPerAddressLimit)
}

func (a *App) build(ctx context.Context) error {
	if err := a.BuildAuthorizationServer(ctx); err != nil {
		return err
	}
	a.Metrics = a.buildMetrics()
	h, err := httpapi.New(httpapi.Deps{
		Logger: a.Log, DB: a.Store, Users: a.Users, Apps: a.Apps, Grants: a.Grants, Tokens: a.Tokens,
		Keys: a.Keys, Properties: a.Properties, Orgs: a.Orgs, Audit: a.Audit, Whitelist: a.Whitelist,
		Plans: a.Plans, Reports: a.Reports, Activity: a.Activity, MFA: a.MFA, Issuer: a.Config.Issuer, Theme: a.Theme,
		Classifications: a.Classifications, Clearances: a.Clearances, I18n: a.I18n,
		Contacts:       a.Contacts,
		PasswordLinks:  a.PasswordLinks,
		PerClientLimit: a.perClient, PerAddressLimit: a.perAddress,
		RequestTimeout: a.Config.RequestTimeout, Unavailable: store.IsUnavailable,
		ImportTimeout: a.importTimeout, Metrics: a.Metrics,
		TracerProvider: a.Tracer, TrustedProxies: a.Config.TrustedProxies,
	})
	if err != nil {
		return err
	}
	a.Handler = h
	pollCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stopPolling = stop
	go a.Revocations.Run(pollCtx, revocation.PollInterval)
	go a.Keys.Run(pollCtx) // reloads, retires and (ACCESS_SIGNING_KEY_ROTATION) rotates the signing keys
	return nil
}

// Close stops the revocation poll, stores the audit records still queued and releases the store.
func (a *App) Close() error {
	if a.stopPolling != nil {
		a.stopPolling()
	}
	a.Audit.Close()
	a.stopTracing()
	return a.Store.Close()
}

// FirstStart holds the credentials made on the embedded store's first start, to be shown once.
type FirstStart struct {
	AdminEmail, AdminPassword string
	ClientID, ClientSecret    string
}

// First-party client app defaults.
const (
	FirstStartAdminEmail = "admin@access-service.local"
	FirstStartClientID   = "access-service-cli"
	firstPartyAccessTTL  = time.Hour
	firstPartyRefreshTTL = 30 * 24 * time.Hour
)

// Bootstrap creates the first SafeShare administrator and the first-party client app the configuration
// asks for. On the embedded store with no bootstrap variables and no administrator yet, it makes both
// with random secrets and returns them so they can be shown once.
func (a *App) Bootstrap(ctx context.Context) (*FirstStart, error) {
	cfg := a.Config
	hasAdmin, err := a.Users.AnySafeShareAdmin(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.BootstrapAdminEmail != "" && !hasAdmin {
		if _, err := a.Users.Create(ctx, user.NewUser{Email: cfg.BootstrapAdminEmail, Password: cfg.BootstrapAdminPassword, SafeShareAdmin: true}); err != nil {
			return nil, fmt.Errorf("ACCESS_BOOTSTRAP_ADMIN_EMAIL: cannot create the administrator: %w", err)
		}
		a.Log.Info("created the bootstrap SafeShare administrator", "email", cfg.BootstrapAdminEmail)
		hasAdmin = true
	}
	if cfg.BootstrapClientID != "" {
		if err := a.ensureFirstPartyApp(ctx, cfg.BootstrapClientID, cfg.BootstrapClientSecret); err != nil {
			return nil, fmt.Errorf("ACCESS_BOOTSTRAP_CLIENT_ID: cannot register the client app: %w", err)
		}
	}
	noBootstrapVars := cfg.BootstrapAdminEmail == "" && cfg.BootstrapClientID == ""
	if hasAdmin || !noBootstrapVars || !a.Store.Embedded() {
		a.warnIfNoAccess(ctx, hasAdmin)
		return nil, nil
	}
	fs := &FirstStart{AdminEmail: FirstStartAdminEmail, AdminPassword: RandomSecret(), ClientID: FirstStartClientID, ClientSecret: RandomSecret()}
	if _, err := a.Users.Create(ctx, user.NewUser{Email: fs.AdminEmail, Password: fs.AdminPassword, SafeShareAdmin: true}); err != nil {
		if !errors.Is(err, user.ErrEmailTaken) {
			return nil, err
		}
		// The account exists but is no longer an administrator: someone chose that; make nothing.
		return nil, nil
	}
	if _, err := a.Apps.ByClientID(ctx, fs.ClientID); err == nil {
		fs.ClientID, fs.ClientSecret = "", ""
	} else if err := a.ensureFirstPartyApp(ctx, fs.ClientID, fs.ClientSecret); err != nil {
		return nil, err
	}
	return fs, nil
}

func (a *App) ensureFirstPartyApp(ctx context.Context, clientID, secret string) error {
	_, err := a.Apps.ByClientID(ctx, clientID)
	if err == nil {
		return nil
	}
	if !errors.Is(err, clientapp.ErrNotFound) {
		return err
	}
	_, err = a.Apps.Register(ctx, clientapp.NewApp{
		ClientID: clientID, Secret: secret, AppName: "Access Service first-party client",
		AccessTokenValidity: firstPartyAccessTTL, RefreshTokenValidity: firstPartyRefreshTTL,
		GrantTypes: []string{clientapp.GrantPassword, clientapp.GrantRefreshToken, clientapp.GrantAuthorizationCode},
		// The platform's own web interfaces act for SafeShare administrators too: all three scopes.
		Scope:       []string{"read", "write", "admin"},
		AutoApprove: true,
	})
	if errors.Is(err, clientapp.ErrClientIDTaken) {
		return nil // another instance registered it at the same moment
	}
	if err == nil {
		a.Log.Info("registered the first-party client app", "client_id", clientID)
	}
	return err
}

// RandomSecret is 32 random bytes: 43 characters, beyond a client secret's least length
// (clientapp.MinSecretLength). The first start's secrets and `client create --generate-secret` use it.
func RandomSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// noReplyAddress is the sender of notification emails unless ACCESS_SMTP_URL names one (?from=).
func noReplyAddress(issuer string) string {
	host := "localhost"
	if u, err := url.Parse(issuer); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	if net.ParseIP(host) != nil {
		host = "[" + host + "]"
	}
	return "no-reply@" + host
}
