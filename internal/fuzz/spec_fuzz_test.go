package fuzz_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/fuzz"
	"github.com/cocoondata/access-service/internal/httpapi"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/testutil"
)

const (
	adminEmail   = "fuzz-admin@xy-company.com"
	fuzzClient   = "fuzz-client"
	fuzzRedirect = "https://fuzz.example/cb"
	// minRequests is the least the fuzzer sends per run, whatever the number of operations.
	minRequests = 10_000
	workers     = 4
)

// operation is one operation of the spec with what the fuzzer needs to call it.
type operation struct {
	method, path string
	op           *openapi3.Operation
	params       []*openapi3.Parameter
	bearer       bool   // takes Authorization: Bearer
	scope        string // the scope a bearer operation's token must carry
	basic        bool   // takes the client's HTTP Basic credentials
}

func operations(t *testing.T, spec *openapi3.T) []operation {
	var out []operation
	for _, path := range spec.Paths.InMatchingOrder() {
		item := spec.Paths.Value(path)
		for method, op := range item.Operations() {
			o := operation{method: method, path: path, op: op}
			byName := map[string]*openapi3.Parameter{}
			for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, p := range ps {
					byName[p.Value.In+":"+p.Value.Name] = p.Value
				}
			}
			for _, k := range sortedKeys(byName) {
				o.params = append(o.params, byName[k])
			}
			sec := spec.Security
			if op.Security != nil {
				sec = *op.Security
			}
			for _, req := range sec {
				for name := range req {
					scheme := spec.Components.SecuritySchemes[name].Value
					switch {
					case scheme.Type == "http" && strings.EqualFold(scheme.Scheme, "bearer"):
						o.bearer = true
						if len(req[name]) != 1 {
							t.Fatalf("%s: bearerAuth names %v, not one scope", op.OperationID, req[name])
						}
						o.scope = req[name][0]
					case scheme.Type == "http" && strings.EqualFold(scheme.Scheme, "basic"):
						o.basic = true
					default:
						t.Fatalf("%s: security scheme %s of a kind the fuzzer does not know", op.OperationID, name)
					}
				}
			}
			out = append(out, o)
		}
	}
	// Creations first and removals last, so reads and changes meet the objects the creations made.
	rank := map[string]int{"POST": 0, "GET": 1, "HEAD": 1, "PUT": 2, "PATCH": 2, "DELETE": 3}
	sort.SliceStable(out, func(i, j int) bool {
		if rank[out[i].method] != rank[out[j].method] {
			return rank[out[i].method] < rank[out[j].method]
		}
		if out[i].path != out[j].path {
			return out[i].path < out[j].path
		}
		return out[i].method < out[j].method
	})
	return out
}

// fixture is the running service and what valid requests need: a SafeShare administrator's token,
// a client app's credentials, and the ids the service has handed out.
type fixture struct {
	svc *testutil.Service

	mu        sync.Mutex
	token     string
	principal oauth.Principal
	renewals  int
	ids       []string
	idSeen    map[string]bool
}

func (f *fixture) adminToken() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.token
}

// renew replaces the administrator's token after a request made with it was refused (an operation such
// as a client app's toggle revoked it); tokens are signed as the token endpoint signs them.
func (f *fixture) renew(t *testing.T, old string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.token != old {
		return
	}
	p := f.principal
	p.TokenID = ""
	tok, err := f.svc.Tokens.Sign(&p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f.token = tok
	f.renewals++
}

func (f *fixture) id(r *rand.Rand) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.ids) == 0 || r.IntN(5) == 0 {
		return strconv.FormatInt(1+r.Int64N(1<<62), 10)
	}
	return f.ids[r.IntN(len(f.ids))]
}

// harvest remembers the ids in a successful JSON answer (members named id or ...Id).
func (f *fixture) harvest(body []byte) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return
	}
	digits := regexp.MustCompile(`^[0-9]{1,19}$`)
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(k, e)
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case string:
			if (key == "id" || strings.HasSuffix(key, "Id")) && digits.MatchString(x) {
				f.mu.Lock()
				if !f.idSeen[x] {
					f.idSeen[x] = true
					f.ids = append(f.ids, x)
				}
				f.mu.Unlock()
			}
		}
	}
	walk("", v)
}

// known are the values a valid request needs that no schema can tell: credentials and registered URIs.
func (f *fixture) known(name string) (any, bool) {
	switch name {
	case "client_id":
		return fuzzClient, true
	case "redirect_uri":
		return fuzzRedirect, true
	case "username":
		return adminEmail, true
	case "adminEmail":
		// Organisations the fuzzer creates are administered by its own account, so the operations
		// only an organisation's administrator may call get past authorization too.
		return adminEmail, true
	case "password":
		return testutil.Password, true
	case "grant_type":
		return "password", true
	case "token":
		return f.adminToken(), true
	case "code_challenge":
		return strings.Repeat("A", 43), true
	case "code_challenge_method":
		return "S256", true
	case "scope":
		return "read", true
	case "i18nDefaultAsString":
		return "en_AU", true
	case "property":
		// A theme property that takes any text, so a valid text/plain value gets past the theme's rules.
		return "companyName", true
	case "localeCode":
		// A locale the platform offers (most codes the pattern allows are not: 404).
		return "da", true
	}
	// The organisation's links (supportUrl, legalUrl, ...) are patterned: absolute http(s) URLs.
	if strings.HasSuffix(name, "Url") {
		return "https://xy-company.example/" + strings.ToLower(name), true
	}
	return nil, false
}

// call is one request to send.
type call struct {
	kind   string // "valid" or the name of what was broken
	method string
	path   string // with the query
	header http.Header
	ct     string
	body   []byte
	auth   string // the whole Authorization header; "" sends none
}

// fixedSeeds are the seeds `make test` runs (scripts/test.sh: all of them, without the race detector;
// the race-detected `go test ./...` runs the first). A seed that once failed is kept here after its fix,
// so what it found stays found: 7 and 20 found checkWhitelistChange's undocumented 409.
var fixedSeeds = []uint64{20261123, 7, 20, 1, 2, 3, 42, 1000, 65537, 20261130}

// seeds are the seeds to run: ACCESS_FUZZ_SEEDS, a comma-separated list or "fixed" (every fixed seed);
// else ACCESS_FUZZ_SEED, one seed; else the first fixed seed.
func seeds(t *testing.T) []uint64 {
	list := os.Getenv("ACCESS_FUZZ_SEEDS")
	if list == "" {
		list = os.Getenv("ACCESS_FUZZ_SEED")
	}
	switch list {
	case "":
		return fixedSeeds[:1]
	case "fixed":
		return fixedSeeds
	}
	var out []uint64
	for _, s := range strings.Split(list, ",") {
		v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
		if err != nil {
			t.Fatalf("ACCESS_FUZZ_SEEDS: %q is not a seed: %v", s, err)
		}
		out = append(out, v)
	}
	return out
}

// TestSpecFuzz sends, for every operation of openapi.yaml, valid requests and many broken ones through
// the real HTTP stack, once per seed (seeds), each on a service of its own. No answer may be a 5xx;
// every answer must be documented for its operation with a body that matches the spec (testutil's
// client checks both). A failing seed is named in the subtest's name and its log, to be replayed with
// ACCESS_FUZZ_SEEDS=N.
func TestSpecFuzz(t *testing.T) {
	for _, seed := range seeds(t) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			fuzzSeed(t, seed)
			if t.Failed() {
				t.Logf("FAILING SEED %d: replay with ACCESS_FUZZ_SEEDS=%d go test -count=1 -run TestSpecFuzz ./internal/fuzz/", seed, seed)
			}
		})
	}
}

func fuzzSeed(t *testing.T, seed uint64) {
	t.Logf("seed %d", seed)

	spec, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	// Rate limits high enough that valid token requests reach the grants; 429s stay possible and are
	// documented where they happen.
	lim := httpapi.RateLimit{PerSecond: 1e6, Burst: 1e6}
	svc := testutil.Start(t, testutil.WithOptions(app.Options{PerClientLimit: lim, PerAddressLimit: lim}))
	svc.CreateUser(t, adminEmail, true)
	if _, err := svc.Apps.Register(context.Background(), clientapp.NewApp{
		ClientID: fuzzClient, Secret: testutil.ClientSecret, AppName: "Fuzz", AccessTokenValidity: time.Hour,
		RefreshTokenValidity: 24 * time.Hour, RedirectURIs: []string{fuzzRedirect}, Scope: []string{"read", "write", "admin", "openid"},
		GrantTypes: []string{clientapp.GrantPassword, clientapp.GrantRefreshToken, clientapp.GrantAuthorizationCode, clientapp.GrantImplicit},
	}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{svc: svc, idSeen: map[string]bool{}}
	f.token = svc.Token(t, fuzzClient, adminEmail)
	if f.principal, err = svc.Tokens.Verify(context.Background(), f.token); err != nil {
		t.Fatal(err)
	}

	ops := onlyNamed(operations(t, spec), os.Getenv("ACCESS_FUZZ_OPS"))
	perOp := minRequests/len(ops) + 1
	t.Logf("%d operations, %d requests each", len(ops), perOp)
	var total atomic.Int64
	start := time.Now()
	for i, o := range ops {
		stats := &opStats{statuses: map[string]int{}}
		calls := make(chan call)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := range calls {
					send(t, f, o, c, stats)
					total.Add(1)
				}
			}()
		}
		for n := 0; n < perOp; n++ {
			r := rand.New(rand.NewPCG(seed, uint64(i)<<32|uint64(n)))
			calls <- build(t, f, spec, o, r, n)
		}
		close(calls)
		wg.Wait()
		t.Logf("%-7s %-55s %s", o.method, o.path, stats.summary())
		if !stats.pastValidation {
			t.Errorf("%s %s: no valid request got past validation and authentication: the fuzzer's valid requests are not valid", o.method, o.path)
		}
		if t.Failed() && stats.failures.Load() > 20 {
			t.Fatalf("stopping after %s %s", o.method, o.path)
		}
	}
	t.Logf("%d requests in %s; administrator's token renewed %d times", total.Load(), time.Since(start).Round(time.Millisecond), f.renewals)
	if total.Load() < minRequests {
		t.Errorf("only %d requests", total.Load())
	}
}

type opStats struct {
	mu             sync.Mutex
	statuses       map[string]int
	pastValidation bool
	failures       atomic.Int64
}

func (s *opStats) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parts []string
	for _, k := range sortedKeys(s.statuses) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, s.statuses[k]))
	}
	return strings.Join(parts, " ")
}

func send(t *testing.T, f *fixture, o operation, c call, stats *opStats) {
	h := c.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if c.auth != "" {
		h.Set("Authorization", c.auth)
	}
	before := t.Failed()
	r := f.svc.Client.Do(t, testutil.Request{Method: c.method, Path: c.path, ContentType: c.ct, Body: c.body, Header: h})
	if r.Status >= 500 {
		t.Errorf("%s %s (%s): %d %s", c.method, c.path, c.kind, r.Status, r.Body)
	}
	// A request whose token lacks the operation's scope is refused as such; the only answers that may
	// come first are the validator's (400: the fuzzer's values are not always valid) and, once the
	// administrator's tokens are revoked by a request before it, a revoked token's (401).
	if c.kind == kindWithoutScope && r.Status != http.StatusUnauthorized && r.Status != http.StatusBadRequest &&
		(r.Status != http.StatusForbidden || !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="insufficient_scope", scope="`+o.scope+`"`)) {
		t.Errorf("%s %s with a token without %s: %d %q %s", c.method, c.path, o.scope, r.Status, r.Header.Get("WWW-Authenticate"), r.Body)
	}
	if !before && t.Failed() {
		t.Logf("the failing request (%s): %s %.300q content type %q body %.300q", c.kind, c.method, c.path, c.ct, c.body)
		stats.failures.Add(1)
	}
	valid := c.kind == "valid"
	if valid && strings.Contains(r.Header.Get("WWW-Authenticate"), "insufficient_scope") {
		t.Errorf("%s %s: the administrator's token, with every scope, was refused for its scope: %s", c.method, c.path, r.Body)
	}
	stats.mu.Lock()
	stats.statuses[fmt.Sprintf("%d", r.Status)]++
	if valid {
		switch r.Status {
		case 401, 413, 415, 429:
		case 400:
			stats.pastValidation = stats.pastValidation || refusedAfterValidation(r)
		default:
			stats.pastValidation = true
		}
	}
	stats.mu.Unlock()
	if valid && r.Status >= 200 && r.Status < 300 {
		f.harvest(r.Body)
	}
	if valid && o.bearer && r.Status == http.StatusUnauthorized {
		f.renew(t, strings.TrimPrefix(c.auth, "Bearer "))
	}
}

// build makes the n-th request to o: about a quarter valid, the rest broken in one way each.
func build(t *testing.T, f *fixture, spec *openapi3.T, o operation, r *rand.Rand, n int) call {
	v := &fuzz.Values{Rand: r, ID: f.id, Known: f.known}
	c := call{kind: "valid", method: strings.ToUpper(o.method), header: http.Header{}}
	pathVals, query, cookies := map[string]string{}, url.Values{}, []string{}
	for _, p := range o.params {
		var s *openapi3.Schema
		if p.Schema != nil {
			s = p.Schema.Value
		}
		switch p.In {
		case "path":
			pathVals[p.Name] = fmt.Sprint(v.Valid(s, p.Name))
		case "query":
			if p.Required || r.IntN(2) == 0 {
				query.Set(p.Name, fmt.Sprint(v.Valid(s, p.Name)))
			}
		}
	}
	var body any
	var mediaType string
	var bodySchema *openapi3.Schema
	if rb := o.op.RequestBody; rb != nil && rb.Value != nil {
		// One of the media types the operation takes (setThemeProperty takes text/plain and JSON); the
		// random pick only where there is a choice, so the other operations' requests stay as they were.
		types := sortedKeys(rb.Value.Content)
		mediaType = types[0]
		if len(types) > 1 {
			mediaType = types[r.IntN(len(types))]
		}
		if sr := rb.Value.Content[mediaType].Schema; sr != nil {
			bodySchema = sr.Value
		}
		body = v.Valid(bodySchema, "")
		if strings.HasPrefix(mediaType, "multipart/form-data") {
			// A multipart body (the import's file) is valid as its example is: a random string is no
			// CSV file the operation takes. A copy, which breakOne may change.
			if ex, ok := rb.Value.Content[mediaType].Example.(map[string]any); ok {
				m := make(map[string]any, len(ex))
				for k, x := range ex {
					m[k] = x
				}
				body = m
			}
			mediaType += "; boundary=" + fuzzBoundary
		}
	}
	if o.bearer {
		c.auth = "Bearer " + f.adminToken()
	}
	if o.basic {
		c.auth = basicAuth(fuzzClient, testutil.ClientSecret)
	}

	// The first requests of each operation are valid; then one in four.
	if n >= 8 && r.IntN(4) != 0 {
		breakOne(t, f, o, r, v, &c, pathVals, query, &cookies, &body, &mediaType, bodySchema)
	}

	path := o.path
	for name, val := range pathVals {
		path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(val))
	}
	c.path = path
	if raw, ok := query["\x00raw"]; ok {
		query.Del("\x00raw")
		c.path += "?" + strings.Join(append([]string{query.Encode()}, raw...), "&")
	} else if len(query) > 0 {
		c.path += "?" + query.Encode()
	}
	if len(cookies) > 0 {
		c.header.Set("Cookie", strings.Join(cookies, "; "))
	}
	if c.body == nil && body != nil {
		c.ct = mediaType
		c.body = encode(body, mediaType)
	}
	return c
}

// breakOne breaks the request in one way, chosen among those that apply to the operation.
func breakOne(t *testing.T, f *fixture, o operation, r *rand.Rand, v *fuzz.Values, c *call,
	pathVals map[string]string, query url.Values, cookies *[]string, body *any, mediaType *string, bodySchema *openapi3.Schema) {
	type breaker struct {
		name string
		do   func()
	}
	var bs []breaker
	add := func(name string, do func()) { bs = append(bs, breaker{name, do}) }
	if o.bearer {
		add("bearer token broken", func() { c.auth = brokenBearer(t, f, r) })
		add(kindWithoutScope, func() { c.auth = "Bearer " + f.tokenWithout(t, o.scope) })
	}
	if o.basic {
		add("client credentials broken", func() { c.auth = brokenBasic(r) })
	}
	for _, p := range o.params {
		p := p
		switch p.In {
		case "path":
			add("path "+p.Name, func() { pathVals[p.Name] = fuzz.BadIDs[r.IntN(len(fuzz.BadIDs))] })
			add("path "+p.Name+" hostile", func() { pathVals[p.Name] = hostile(r) })
		case "query":
			add("query "+p.Name, func() { query.Set(p.Name, hostile(r)) })
			add("query "+p.Name+" wrong type", func() { query.Set(p.Name, fmt.Sprint(v.Broken(p.Schema.Value))) })
			add("query "+p.Name+" twice", func() { query.Add(p.Name, hostile(r)); query.Add(p.Name, "1") })
			if p.Required {
				add("query "+p.Name+" missing", func() { query.Del(p.Name) })
			}
		case "cookie":
			add("cookie "+p.Name, func() { *cookies = append(*cookies, p.Name+"="+headerSafe(hostile(r))) })
		}
	}
	add("unknown query parameter", func() { query.Set("fuzz"+strconv.Itoa(r.IntN(9)), hostile(r)) })
	add("broken query string", func() {
		query["\x00raw"] = []string{[]string{"%zz", "a=%", "&&&=", "a=%00%ff", "==", strings.Repeat("a=1&", 3000)}[r.IntN(6)]}
	})
	add("unknown method", func() {
		c.method = []string{"PATCH", "TRACE", "OPTIONS", "PROPFIND", "CONNECT"}[r.IntN(5)]
		if c.method == "CONNECT" {
			c.method = "PATCH"
		}
	})
	if *body != nil {
		obj, isObj := (*body).(map[string]any)
		if isObj && bodySchema != nil {
			for _, name := range sortedKeys(bodySchema.Properties) {
				name := name
				ps := bodySchema.Properties[name].Value
				add("member "+name+" wrong type", func() { obj[name] = v.Broken(ps) })
				add("member "+name+" hostile", func() { obj[name] = hostile(r) })
				add("member "+name+" huge", func() { obj[name] = strings.Repeat("z", 200_000+r.IntN(100_000)) })
				add("member "+name+" invalid UTF-8", func() { obj[name] = "\x00raw" })
			}
			for _, name := range bodySchema.Required {
				name := name
				add("member "+name+" missing", func() { delete(obj, name) })
			}
			add("extra member", func() { obj["fuzzExtra"] = hostile(r) })
			add("member in other case", func() {
				for k, x := range obj {
					obj[strings.ToUpper(k)] = x
					return
				}
				obj["GRANT_TYPE"] = "x"
			})
		}
		add("body not of its media type", func() {
			c.body = [][]byte{[]byte("{"), []byte(`{"a":`), []byte("null"), []byte("[]"), []byte(`"x"`), []byte("\x00\xff"),
				[]byte(strings.Repeat("[", 20_000)), []byte(`{"a":1e999}`), []byte(`{"a":1,"a":2}`), []byte("a=%zz&=&%"),
				{}}[r.IntN(11)]
			c.ct = *mediaType
		})
		add("wrong content type", func() {
			c.ct = []string{"text/plain", "application/xml", "multipart/form-data; boundary=x", "application/json; charset=latin-1",
				"application/x-www-form-urlencoded", "application/json", "", "*/*", "application/", "\xff/\xfe"}[r.IntN(10)]
			// Wrong for this operation: not one of the media types it declares (text/plain is right for
			// setThemeProperty). No operation takes XML.
			if rb := o.op.RequestBody; c.ct == *mediaType || rb != nil && rb.Value != nil && rb.Value.Content[c.ct] != nil {
				c.ct = "application/xml"
			}
			c.body = encode(*body, *mediaType)
		})
		add("body over 1 MiB", func() {
			c.ct = *mediaType
			c.body = bytes.Repeat([]byte("a"), httpapi.MaxBodyBytes+1+r.IntN(1000))
		})
		add("no body", func() { c.ct, c.body = *mediaType, []byte{} })
	} else {
		add("unexpected body", func() { c.ct, c.body = "application/json", []byte(`{"fuzz":true}`) })
	}
	b := bs[r.IntN(len(bs))]
	c.kind = b.name
	b.do()
}

func hostile(r *rand.Rand) string { return fuzz.Hostile[r.IntN(len(fuzz.Hostile))] }

// headerSafe drops what an HTTP client refuses to send in a header.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// kindWithoutScope is the breakage that only takes the operation's scope out of a valid token.
const kindWithoutScope = "token without the operation's scope"

// tokenWithout is the administrator's token with every scope but scope.
func (f *fixture) tokenWithout(t *testing.T, scope string) string {
	f.mu.Lock()
	p := f.principal
	f.mu.Unlock()
	p.TokenID, p.Scope = "", nil
	for _, s := range []string{"read", "write", "admin", "openid"} {
		if s != scope {
			p.Scope = append(p.Scope, s)
		}
	}
	tok, err := f.svc.Tokens.Sign(&p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func brokenBearer(t *testing.T, f *fixture, r *rand.Rand) string {
	good := f.adminToken()
	parts := strings.Split(good, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	p := f.principal
	p.TokenID = ""
	expired, err := f.svc.Tokens.Sign(&p, -time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	switch r.IntN(12) {
	case 0:
		return ""
	case 1:
		return "Bearer"
	case 2:
		return "Bearer " + headerSafe(hostile(r))
	case 3:
		return "Bearer " + b64([]byte(`{"alg":"none"}`)) + "." + parts[1] + "."
	case 4:
		return "Bearer " + parts[0] + "." + parts[1] + "."
	case 5:
		sig := []byte(parts[2])
		sig[r.IntN(len(sig))] ^= 0x01
		return "Bearer " + parts[0] + "." + parts[1] + "." + string(sig)
	case 6:
		return "Basic " + b64([]byte(fuzzClient+":"+testutil.ClientSecret))
	case 7:
		return "Bearer " + expired
	case 8:
		return "Bearer " + strings.Repeat(good, 4)
	case 9:
		return "Bearer " + parts[0] + "." + b64([]byte(`{"sub":"1","exp":99999999999}`)) + "." + parts[2]
	case 10:
		return "Token " + good
	default:
		return "Bearer " + good + " trailing"
	}
}

func brokenBasic(r *rand.Rand) string {
	b := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	switch r.IntN(8) {
	case 0:
		return ""
	case 1:
		return b(fuzzClient + ":wrong-secret")
	case 2:
		return b("no-such-client:" + testutil.ClientSecret)
	case 3:
		return "Basic !!!not-base64"
	case 4:
		return b("no-colon")
	case 5:
		return b(hostile(r) + ":" + hostile(r))
	case 6:
		return "Bearer " + strings.Repeat("x", 50)
	default:
		return b(":")
	}
}

func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// encode writes a body in its media type. The string "\x00raw" stands for bytes that are not UTF-8,
// which a JSON encoder would otherwise replace.
func encode(body any, mediaType string) []byte {
	if strings.HasPrefix(mediaType, "multipart/form-data") {
		// One file part per member, with the boundary build put in the media type.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.SetBoundary(fuzzBoundary)
		if m, ok := body.(map[string]any); ok {
			for _, k := range sortedKeys(m) {
				s := fmt.Sprint(m[k])
				if s == "\x00raw" {
					s = "\xff\xfe"
				}
				fw, _ := mw.CreateFormFile(k, k)
				_, _ = fw.Write([]byte(s))
			}
		}
		_ = mw.Close()
		return buf.Bytes()
	}
	if strings.Contains(mediaType, "x-www-form-urlencoded") {
		form := url.Values{}
		if m, ok := body.(map[string]any); ok {
			for k, x := range m {
				s := fmt.Sprint(x)
				if s == "\x00raw" {
					s = "\xff\xfe"
				}
				form.Set(k, s)
			}
		}
		return []byte(form.Encode())
	}
	if s, ok := body.(string); ok && strings.HasPrefix(mediaType, "text/plain") {
		return []byte(s) // the text itself (setThemeProperty's value)
	}
	raw, _ := json.Marshal(body)
	return bytes.ReplaceAll(raw, []byte(`"\u0000raw"`), []byte("\"\xff\xfe\xc3\x28\""))
}

// fuzzBoundary separates the parts of the multipart bodies the fuzzer writes.
const fuzzBoundary = "fuzz-boundary-7d1c"

func sortedKeys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// refusedAfterValidation: a 400 that the request's meaning earned, not its shape: a problem whose title
// is not the validator's, an OAuth error other than invalid_request, or a page other than the one a
// malformed page request gets (a wrong authentication code, an expired set-up link, say).
func refusedAfterValidation(r *testutil.Response) bool {
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/problem+json"):
		var p struct{ Title string }
		return json.Unmarshal(r.Body, &p) == nil && p.Title != "" && p.Title != "Request validation failed"
	case strings.HasPrefix(ct, "text/html"):
		return !strings.Contains(string(r.Body), "This sign-in request cannot go on")
	case strings.HasPrefix(ct, "application/json"):
		var e struct{ Error string }
		return json.Unmarshal(r.Body, &e) == nil && e.Error != "" && e.Error != "invalid_request"
	}
	return false
}

// onlyNamed keeps the operations a comma-separated list of operation ids names (ACCESS_FUZZ_OPS, to fuzz
// the operations one is working on); all of them when the list is empty.
func onlyNamed(ops []operation, list string) []operation {
	if list == "" {
		return ops
	}
	var out []operation
	for _, o := range ops {
		if slices.Contains(strings.Split(list, ","), o.op.OperationID) {
			out = append(out, o)
		}
	}
	return out
}
