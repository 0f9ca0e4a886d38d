package faults_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/testutil"
)

// proxy stands between the service and PostgreSQL: it can cut every connection and refuse new ones
// (the database is down), restore them (it is back), and delay what the database sends (it is slow).
// The shared PostgreSQL server itself is never touched.
type proxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	down  bool
	delay time.Duration
	conns map[net.Conn]struct{}
	pipes atomic.Int64 // goroutines copying bytes
}

func startProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	go p.serve()
	t.Cleanup(func() { _ = ln.Close(); p.cut() })
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			_ = c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = struct{}{}, struct{}{}
		p.mu.Unlock()
		p.pipes.Add(2)
		go p.pipe(s, c, false)
		go p.pipe(c, s, true)
	}
}

// pipe copies from src to dst; from the database (slow is true) it waits the current delay first.
func (p *proxy) pipe(dst, src net.Conn, slow bool) {
	defer p.pipes.Add(-1)
	defer func() {
		_ = dst.Close()
		_ = src.Close()
		p.mu.Lock()
		delete(p.conns, dst)
		delete(p.conns, src)
		p.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if slow {
				p.mu.Lock()
				d := p.delay
				p.mu.Unlock()
				time.Sleep(d)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		_ = c.Close()
	}
}

func (p *proxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

func (p *proxy) setDelay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// viaProxy is a fresh database's URL, reached through a proxy.
func viaProxy(t *testing.T) (string, *proxy) {
	u, err := url.Parse(testutil.NewPostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.ln.Addr().String()
	return u.String(), p
}

const (
	admin    = "admin@xy-company.com"
	clientID = "webapp"
)

func appBody(n int) []byte {
	b, _ := json.Marshal(map[string]any{
		"appName": fmt.Sprintf("App %d", n), "clientId": fmt.Sprintf("app-%d-%d", n, time.Now().UnixNano()),
		"clientSecret": "a long enough secret for the 32-character rule", "accessTokenValiditySeconds": 3600, "refreshTokenValiditySeconds": 86400,
		"authorizedGrantTypes": []string{"password"},
	})
	return b
}

// TestDatabaseDownMidLoad: while the database is unreachable, reads and creates get 503 with
// Retry-After (never 404 or 500) and /readyz says not ready; within 2 s of its return the service
// answers again without a restart, and every create that was answered 200 can be read.
func TestDatabaseDownMidLoad(t *testing.T) {
	dbURL, px := viaProxy(t)
	databaseDownMidLoad(t, dbURL, px.cut, px.restore)
}

// TestPostgresRestart is TestDatabaseDownMidLoad with a real PostgreSQL server stopped and started
// again. It needs a private throw-away cluster, which scripts/fault-restart.sh makes; it never touches
// the shared server. ACCESS_FAULT_PG names the cluster: "BINDIR DATADIR PORT".
func TestPostgresRestart(t *testing.T) {
	spec := os.Getenv("ACCESS_FAULT_PG")
	if spec == "" {
		t.Skip("needs a private cluster: run scripts/fault-restart.sh")
	}
	f := strings.Fields(spec)
	if len(f) != 3 {
		t.Fatalf("ACCESS_FAULT_PG=%q: want BINDIR DATADIR PORT", spec)
	}
	bin, dir, port := f[0], f[1], f[2]
	pgctl := func(args ...string) {
		cmd := exec.Command(filepath.Join(bin, "pg_ctl"), append([]string{"-D", dir, "-w"}, args...)...)
		if os.Getuid() == 0 {
			cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(bin, "pg_ctl"), "-D", dir, "-w"}, args...)...)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("pg_ctl %v: %v\n%s", args, err, out)
		}
	}
	t.Setenv(testutil.AdminDatabaseURLEnv, "postgres://postgres@127.0.0.1:"+port+"/postgres?sslmode=disable")
	dbURL := testutil.NewPostgres(t)
	databaseDownMidLoad(t, dbURL,
		func() { pgctl("-m", "fast", "stop") },
		func() {
			pgctl("-l", filepath.Join(dir, "server.log"), "-o", "-p "+port+" -k "+dir+" -c listen_addresses=127.0.0.1", "start")
		})
}

func databaseDownMidLoad(t *testing.T, dbURL string, down, up func()) {
	svc := testutil.Start(t, testutil.WithDatabase(dbURL), testutil.WithEnv("ACCESS_REQUEST_TIMEOUT", "1s"))
	svc.CreateUser(t, admin, true)
	svc.RegisterClient(t, clientID)
	tok := svc.Token(t, clientID, admin)
	first := svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/v1/clientapps", Token: tok, ContentType: "application/json", Body: appBody(0)})
	if first.Status != 200 {
		t.Fatalf("%d %s", first.Status, first.Body)
	}
	readID := first.JSON(t)["id"].(string)

	var (
		mu      sync.Mutex
		created = []string{readID}
		phase   atomic.Int32 // 0 up, 1 down, 2 back
		counts  = map[string]int{}
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				var r *testutil.Response
				create := (w+n)%3 == 0
				if create {
					r = svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/v1/clientapps", Token: tok, ContentType: "application/json", Body: appBody(w*100000 + n)})
				} else {
					r = svc.Client.Get(t, "/api/v1/clientapps/"+readID, tok)
				}
				ph := phase.Load()
				mu.Lock()
				counts[fmt.Sprintf("phase %d: %d", ph, r.Status)]++
				if create && r.Status == 200 { // creating POSTs answer 200 (contract §6)
					created = append(created, r.JSON(t)["id"].(string))
				}
				mu.Unlock()
				switch {
				case r.Status == 503 && r.Header.Get("Retry-After") == "":
					t.Errorf("503 without Retry-After")
				case r.Status != 200 && r.Status != 503:
					t.Errorf("phase %d: %d %s", ph, r.Status, r.Body)
				case ph == 0 && r.Status == 503:
					t.Errorf("503 while the database is up: %s", r.Body)
				}
			}
		}()
	}
	time.Sleep(time.Second)
	phase.Store(1)
	down()
	time.Sleep(300 * time.Millisecond) // requests in flight at the cut end within the deadline
	if r := svc.Client.Get(t, "/readyz", ""); r.Status != 503 {
		t.Errorf("/readyz while the database is down: %d", r.Status)
	}
	time.Sleep(1500 * time.Millisecond)
	up()
	back := time.Now()
	for {
		if r := svc.Client.Get(t, "/readyz", ""); r.Status == 200 {
			if r := svc.Client.Get(t, "/api/v1/clientapps/"+readID, tok); r.Status == 200 {
				break
			}
		}
		if time.Since(back) > 2*time.Second {
			t.Fatalf("not recovered 2 s after the database returned")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("recovered %s after the database returned", time.Since(back).Round(time.Millisecond))
	phase.Store(2)
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("answers: %v", counts)
	if counts["phase 1: 503"] == 0 {
		t.Error("no 503 while the database was down: the cut did not happen")
	}
	for _, id := range created {
		if r := svc.Client.Get(t, "/api/v1/clientapps/"+id, tok); r.Status != 200 {
			t.Errorf("app %s was created (200) but reads %d", id, r.Status)
		}
	}
	t.Logf("%d creates answered 200, all readable", len(created))
}

// TestSlowDatabase: when the database answers slower than the request deadline, requests end at the
// deadline with 503, and the goroutines they used are released afterwards.
func TestSlowDatabase(t *testing.T) {
	dbURL, px := viaProxy(t)
	svc := testutil.Start(t, testutil.WithDatabase(dbURL), testutil.WithEnv("ACCESS_REQUEST_TIMEOUT", "500ms"))
	svc.CreateUser(t, admin, true)
	svc.RegisterClient(t, clientID)
	tok := svc.Token(t, clientID, admin)
	if r := svc.Client.Get(t, "/api/v1/users/me", tok); r.Status != 200 {
		t.Fatalf("%d", r.Status)
	}
	goroutines := func() int {
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		return runtime.NumGoroutine() - int(px.pipes.Load())
	}
	time.Sleep(100 * time.Millisecond)
	before := goroutines()

	px.setDelay(3 * time.Second)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			r := svc.Client.Get(t, "/api/v1/users/me", tok)
			took := time.Since(start)
			if r.Status != 503 || r.Header.Get("Retry-After") == "" {
				t.Errorf("slow database: %d %q %s", r.Status, r.Header.Get("Retry-After"), r.Body)
			}
			if took > 1500*time.Millisecond {
				t.Errorf("a request took %s with a 500ms deadline", took)
			}
		}()
	}
	wg.Wait()
	px.setDelay(0)
	deadline := time.Now().Add(10 * time.Second)
	for {
		after := goroutines()
		if after <= before+2 {
			t.Logf("goroutines: %d before, %d after", before, after)
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := svc.Client.Get(t, "/api/v1/users/me", tok); r.Status != 200 {
		t.Fatalf("after the slowness: %d", r.Status)
	}
}

// TestKeyRotationUnderLoad: while requests go on, the signing key is rotated on one instance through
// the command's path (app.RotateSigningKey, what `keys rotate` runs). The other instance publishes the
// new key within its (shortened) reload interval, before the key signs; from the key's signs-from time
// both instances sign with it; tokens signed with the previous key keep working on both all along, until
// the key is retired (`keys retire`), after which both refuse them (401) within a reload interval.
func TestKeyRotationUnderLoad(t *testing.T) {
	dbURL := testutil.NewPostgres(t)
	const reload, delay = 100 * time.Millisecond, 2 * time.Second
	keyOpts := testutil.WithOptionsChanged(func(o *app.Options) {
		o.Keys = oauth.KeyOptions{ReloadInterval: reload, SigningDelay: delay}
	})
	// Two instances of one deployment: one issuer.
	a := testutil.Start(t, testutil.WithDatabase(dbURL), testutil.WithEnv("ACCESS_ISSUER", "http://access.test"), keyOpts)
	b := testutil.Start(t, testutil.WithDatabase(dbURL), testutil.WithEnv("ACCESS_ISSUER", "http://access.test"), keyOpts)
	a.CreateUser(t, admin, true)
	a.RegisterClient(t, clientID)
	old := a.Token(t, clientID, admin)
	oldKID := kidOf(t, old)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var ok, total atomic.Int64
	for _, svc := range []*testutil.Service{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r := svc.Client.Get(t, "/api/v1/users/me", old)
				total.Add(1)
				if r.Status == 200 {
					ok.Add(1)
				} else {
					t.Errorf("token of the previous key: %d %s", r.Status, r.Body)
				}
			}
		}()
	}
	stopLoad := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopLoad() // before the services close, should the test stop early
	time.Sleep(300 * time.Millisecond)
	key, err := a.RotateSigningKey(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if key.State != oauth.KeyPending || !key.SignsFrom.Equal(key.CreatedAt.Add(delay)) {
		t.Fatalf("rotated key: %+v", key)
	}
	// b publishes it at its next reload, long before it signs.
	waitFor(t, "the other instance publishing the new key", func() bool { return jwksHas(t, b, key.KID) })
	if !jwksHas(t, a, key.KID) {
		t.Fatal("the rotating instance does not publish the new key")
	}
	// Nothing signs with it before its time; from then on both instances do.
	for time.Now().Before(key.SignsFrom.Add(50 * time.Millisecond)) {
		for _, svc := range []*testutil.Service{a, b} {
			tok := svc.Token(t, clientID, admin)
			if kid := kidOf(t, tok); kid == key.KID && issuedAt(t, tok).Before(key.SignsFrom.Truncate(time.Second)) {
				t.Fatalf("signed with the new key at %s, before its time %s", issuedAt(t, tok), key.SignsFrom)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	var fresh []string
	for name, svc := range map[string]*testutil.Service{"a": a, "b": b} {
		tok := svc.Token(t, clientID, admin)
		if kid := kidOf(t, tok); kid != key.KID {
			t.Fatalf("instance %s signs with %s after the new key's time, want %s", name, kid, key.KID)
		}
		fresh = append(fresh, tok)
	}
	time.Sleep(300 * time.Millisecond)
	stopLoad()
	for _, svc := range []*testutil.Service{a, b} {
		for _, tok := range fresh {
			if r := svc.Client.Get(t, "/api/v1/users/me", tok); r.Status != 200 {
				t.Errorf("token of the new key %s: %d", key.KID, r.Status)
			}
		}
		if r := svc.Client.Get(t, "/api/v1/users/me", old); r.Status != 200 {
			t.Errorf("token of the previous key after the rotation: %d", r.Status)
		}
	}
	t.Logf("%d of %d requests with the previous key's token answered 200 during the rotation", ok.Load(), total.Load())

	// Retiring the previous key: both instances drop it and refuse its tokens; the new key's work.
	if _, err := a.RetireSigningKey(context.Background(), oldKID); err != nil {
		t.Fatal(err)
	}
	if r := a.Client.Get(t, "/api/v1/users/me", old); r.Status != 401 {
		t.Fatalf("the retiring instance accepts a retired key's token: %d", r.Status)
	}
	waitFor(t, "the other instance refusing the retired key's token", func() bool {
		return b.Client.Get(t, "/api/v1/users/me", old).Status == 401
	})
	for _, svc := range []*testutil.Service{a, b} {
		if jwksHas(t, svc, oldKID) {
			t.Error("a retired key is still published")
		}
		for _, tok := range fresh {
			if r := svc.Client.Get(t, "/api/v1/users/me", tok); r.Status != 200 {
				t.Errorf("token of the new key after the retirement: %d", r.Status)
			}
		}
	}
}

// waitFor polls cond until it holds, failing the test after a generous bound (far beyond the shortened
// reload interval, so a busy machine does not fail it).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func jwksHas(t *testing.T, svc *testutil.Service, kid string) bool {
	t.Helper()
	r := svc.Client.Get(t, "/api/oauth/jwks", "")
	if r.Status != 200 {
		t.Fatalf("jwks: %d", r.Status)
	}
	for _, k := range r.JSON(t)["keys"].([]any) {
		if k.(map[string]any)["kid"] == kid {
			return true
		}
	}
	return false
}

// tokenPart decodes part i of a JWT (0: header, 1: claims) without checking it.
func tokenPart(t *testing.T, tok string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %s", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func kidOf(t *testing.T, tok string) string {
	kid, _ := tokenPart(t, tok, 0)["kid"].(string)
	return kid
}

func issuedAt(t *testing.T, tok string) time.Time {
	iat, _ := tokenPart(t, tok, 1)["iat"].(float64)
	return time.Unix(int64(iat), 0)
}
