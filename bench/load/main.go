// Command load is the benchmarks' own measuring tool, for what wrk (closed loop) does not do:
//
//	load hash                 the time of one password-hash check with the production costs
//	load open -url U -rate R  an open-loop load: requests start on a fixed schedule whatever the answers,
//	                          and each latency counts from the request's scheduled start (no coordinated
//	                          omission); prints one JSON line of results
//	load rss -pid P           the process's resident memory, in KiB
//	load count -url U -n N    exactly N requests over -c keep-alive connections, closed loop; prints one
//	                          JSON line of the statuses (for counting a server's work per request)
//	load flood -url U ...     token requests with made-up client ids from several source addresses,
//	                          open loop, while real password grants go on from 127.0.0.1; prints one
//	                          JSON line of both's results
//	load mfa -url U ...       the mfa grant's rate: first steps for many accounts, then their second
//	                          steps, timed on their own; prints one JSON line
//	load seed-org -url U ...  an organisation of 10,000 members, 100 classifications and 200 clearances,
//	                          built through the API; prints one JSON line with its ids
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/cocoondata/access-service/internal/password"
)

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: load hash | open ... | rss -pid P | count ... | flood ... | seed-org ... | mfa ... | seed-activity ...")
	}
	switch os.Args[1] {
	case "hash":
		hash(os.Args[2:])
	case "open":
		open(os.Args[2:])
	case "rss":
		rss(os.Args[2:])
	case "count":
		count(os.Args[2:])
	case "flood":
		flood(os.Args[2:])
	case "seed-org":
		seedOrg(os.Args[2:])
	case "mfa":
		mfaGrants(os.Args[2:])
	case "seed-activity":
		seedActivity(os.Args[2:])
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}

// hash prints the median time, in milliseconds, of one Argon2id check with the production costs, on one
// core (the Hasher runs one hash per core). With -parallel N it runs N checks at once, -n rounds of
// them, and prints the median of the rounds' wall times divided by N: the time per check when N cores
// hash together, which is what the machine can give the password grant (on a machine whose cores share
// caches or memory bandwidth it is more than one check alone divided by N).
func hash(args []string) {
	fs := flag.NewFlagSet("hash", flag.ExitOnError)
	n := fs.Int("n", 15, "checks (or rounds of checks) to time")
	parallel := fs.Int("parallel", 1, "checks run at once")
	_ = fs.Parse(args)
	h := password.NewHasher(password.Production)
	ctx := context.Background()
	encoded, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		log.Fatal(err)
	}
	check := func() {
		if ok, err := argon2id.ComparePasswordAndHash("correct horse battery staple", encoded); err != nil || !ok {
			log.Fatalf("verify: %v %v", ok, err)
		}
	}
	var times []float64
	for range *n {
		start := time.Now()
		var wg sync.WaitGroup
		for range *parallel {
			wg.Go(check)
		}
		wg.Wait()
		times = append(times, float64(time.Since(start).Microseconds())/1000/float64(*parallel))
	}
	slices.Sort(times)
	fmt.Printf("%.2f\n", times[len(times)/2])
}

type headers []string

func (h *headers) String() string     { return strings.Join(*h, ", ") }
func (h *headers) Set(v string) error { *h = append(*h, v); return nil }

// setOn sets the headers on req.
func (h headers) setOn(req *http.Request) {
	for _, kv := range h {
		k, v, _ := strings.Cut(kv, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
}

type result struct {
	URL         string         `json:"url"`
	Rate        float64        `json:"rate"`
	Seconds     float64        `json:"seconds"`
	Sent        int            `json:"sent"`
	Statuses    map[string]int `json:"statuses"`
	Errors      int            `json:"errors"`
	NoRetry     int            `json:"refusals_without_retry_after"`
	P50         float64        `json:"p50_ms"`
	P99         float64        `json:"p99_ms"`
	OKP50       float64        `json:"ok_p50_ms"`
	OKP99       float64        `json:"ok_p99_ms"`
	OKPerSecond float64        `json:"ok_per_second"`
	// LagP99: the 99th percentile of the time from a request's scheduled start to the moment this tool
	// had written it. Latency counts from the scheduled start, so a tool that falls behind its own
	// schedule (starved of CPU on a shared machine) adds this much to every figure above.
	LagP99 float64 `json:"lag_p99_ms"`
}

func open(args []string) {
	fs := flag.NewFlagSet("open", flag.ExitOnError)
	url := fs.String("url", "", "target")
	method := fs.String("method", "GET", "method")
	body := fs.String("body", "", "request body")
	rate := fs.Float64("rate", 100, "requests per second")
	duration := fs.Duration("duration", 10*time.Second, "how long to send")
	maxInFlight := fs.Int("max-in-flight", 5000, "requests in flight beyond which the tool counts an error instead of sending")
	var hs headers
	fs.Var(&hs, "H", "header 'Name: value' (repeatable)")
	_ = fs.Parse(args)
	loopbackOnly(*url)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1000, MaxConnsPerHost: 0}}
	var (
		mu       sync.Mutex
		all, oks []float64
		lags     []float64
		statuses = map[string]int{}
		errs     int
		noRetry  int
		inFlight atomic.Int64
		wg       sync.WaitGroup
	)
	interval := time.Duration(float64(time.Second) / *rate)
	start := time.Now()
	n := 0
	for ; ; n++ {
		at := start.Add(time.Duration(n) * interval)
		if at.Sub(start) >= *duration {
			break
		}
		time.Sleep(time.Until(at))
		if inFlight.Load() >= int64(*maxInFlight) {
			mu.Lock()
			errs++
			mu.Unlock()
			continue
		}
		inFlight.Add(1)
		wg.Add(1)
		go func(at time.Time) {
			defer wg.Done()
			defer inFlight.Add(-1)
			req, err := http.NewRequest(*method, *url, bytes.NewReader([]byte(*body)))
			if err != nil {
				log.Fatal(err)
			}
			hs.setOn(req)
			var wrote atomic.Int64 // written by the transport's own goroutine
			req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
				WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(int64(time.Since(at))) },
			}))
			resp, err := client.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			ms := float64(time.Since(at).Microseconds()) / 1000
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
				return
			}
			statuses[fmt.Sprint(resp.StatusCode)]++
			all = append(all, ms)
			lags = append(lags, float64(time.Duration(wrote.Load()).Microseconds())/1000)
			if resp.StatusCode < 300 {
				oks = append(oks, ms)
			}
			if (resp.StatusCode == 429 || resp.StatusCode == 503) && resp.Header.Get("Retry-After") == "" {
				noRetry++
			}
		}(at)
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	r := result{URL: *url, Rate: *rate, Seconds: secs, Sent: n, Statuses: statuses, Errors: errs, NoRetry: noRetry,
		P50: pct(all, 50), P99: pct(all, 99), OKP50: pct(oks, 50), OKP99: pct(oks, 99), OKPerSecond: float64(len(oks)) / duration.Seconds(), LagP99: pct(lags, 99)}
	_ = json.NewEncoder(os.Stdout).Encode(r)
}

// count sends exactly -n requests, -c at a time on keep-alive connections, and prints how they were
// answered. It fails unless every answer has the status -want (so a count of work per request is not a
// count of refusals).
func count(args []string) {
	fs := flag.NewFlagSet("count", flag.ExitOnError)
	url := fs.String("url", "", "target")
	n := fs.Int("n", 1000, "requests")
	conns := fs.Int("c", 4, "connections")
	want := fs.Int("want", http.StatusOK, "the status every answer must have")
	var hs headers
	fs.Var(&hs, "H", "header 'Name: value' (repeatable)")
	_ = fs.Parse(args)
	loopbackOnly(*url)
	client := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: *conns}}
	var (
		mu       sync.Mutex
		statuses = map[string]int{}
		next     atomic.Int64
		wg       sync.WaitGroup
	)
	for range *conns {
		wg.Go(func() {
			for next.Add(1) <= int64(*n) {
				req, err := http.NewRequest(http.MethodGet, *url, nil)
				if err != nil {
					log.Fatal(err)
				}
				hs.setOn(req)
				resp, err := client.Do(req)
				if err != nil {
					log.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				mu.Lock()
				statuses[fmt.Sprint(resp.StatusCode)]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"url": *url, "sent": *n, "statuses": statuses})
	if statuses[fmt.Sprint(*want)] != *n {
		log.Fatalf("not every answer was %d: %v", *want, statuses)
	}
}

// loopbackOnly stops the tool unless target is on this machine: every load targets 127.0.0.1 only.
func loopbackOnly(target string) {
	if !strings.HasPrefix(target, "http://127.") && !strings.HasPrefix(target, "http://localhost") {
		log.Fatal("-url: loopback targets only")
	}
}

func pct(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

func rss(args []string) {
	fs := flag.NewFlagSet("rss", flag.ExitOnError)
	pid := fs.Int("pid", 0, "process id")
	_ = fs.Parse(args)
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", *pid))
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			fmt.Println(f[1])
			return
		}
	}
	log.Fatal("no VmRSS")
}

// flood is the attack the per-client limit and the fast client-secret hash answer: token requests with
// made-up client ids (a new one each time, with a made-up secret), from -sources loopback addresses
// (127.0.0.2 on; loopback takes any 127/8 source, and the per-address limit then sees as many
// callers), -rate requests/s in all, open loop; meanwhile real password grants (-real-body,
// -real-basic) from 127.0.0.1 at -real-rate. Each real grant's latency counts from its scheduled start.
// It prints one JSON line: the real grants' statuses and latencies, the flood's statuses and rate.
func flood(args []string) {
	fs := flag.NewFlagSet("flood", flag.ExitOnError)
	target := fs.String("url", "", "the token endpoint")
	sources := fs.Int("sources", 8, "source addresses of the flood: 127.0.0.2 on")
	rate := fs.Float64("rate", 320, "flood requests per second, all sources together; 0: no flood, the real grants alone")
	realRate := fs.Float64("real-rate", 5, "real password grants per second")
	realBody := fs.String("real-body", "", "the real grants' form")
	realBasic := fs.String("real-basic", "", "the real grants' Basic credentials, base64")
	duration := fs.Duration("duration", 20*time.Second, "how long to send")
	maxInFlight := fs.Int("max-in-flight", 5000, "flood requests in flight beyond which the tool counts an error instead of sending")
	_ = fs.Parse(args)
	if !strings.HasPrefix(*target, "http://127.") {
		log.Fatal("-url: loopback targets only")
	}
	if *sources < 1 || *sources > 250 || *realBody == "" || *realBasic == "" {
		log.Fatal("-sources 1..250, -real-body and -real-basic are needed")
	}
	// One client per source address, each dialing from it.
	from := func(ip string) *http.Client {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
		return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 1000}}
	}
	floodClients := make([]*http.Client, *sources)
	for i := range floodClients {
		floodClients[i] = from(fmt.Sprintf("127.0.0.%d", i+2))
	}
	realClient := from("127.0.0.1")
	floodBody := "grant_type=password&username=" + url.QueryEscape("someone@example.com") + "&password=whatever+password"

	type outcome struct {
		status  int
		ms      float64
		retry   bool
		errored bool
	}
	send := func(c *http.Client, basic, body string, at time.Time) outcome {
		req, err := http.NewRequest(http.MethodPost, *target, strings.NewReader(body))
		if err != nil {
			log.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Basic "+basic)
		resp, err := c.Do(req)
		if err != nil {
			return outcome{errored: true}
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return outcome{status: resp.StatusCode, ms: float64(time.Since(at).Microseconds()) / 1000, retry: resp.Header.Get("Retry-After") != ""}
	}
	type tally struct {
		mu       sync.Mutex
		statuses map[string]int
		errs     int
		noRetry  int
		all, oks []float64
	}
	add := func(t *tally, o outcome) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if o.errored {
			t.errs++
			return
		}
		t.statuses[fmt.Sprint(o.status)]++
		t.all = append(t.all, o.ms)
		if o.status < 300 {
			t.oks = append(t.oks, o.ms)
		}
		if (o.status == 429 || o.status == 503) && !o.retry {
			t.noRetry++
		}
	}
	// run sends n requests on a fixed schedule, each by do, and returns how many it sent.
	run := func(perSecond float64, do func(i int, at time.Time)) int {
		interval := time.Duration(float64(time.Second) / perSecond)
		start := time.Now()
		n := 0
		for ; ; n++ {
			at := start.Add(time.Duration(n) * interval)
			if at.Sub(start) >= *duration {
				return n
			}
			time.Sleep(time.Until(at))
			do(n, at)
		}
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

	realT, floodT := &tally{statuses: map[string]int{}}, &tally{statuses: map[string]int{}}
	var (
		wg                  sync.WaitGroup
		inFlight            atomic.Int64
		realSent, floodSent int
	)
	start := time.Now()
	wg.Go(func() {
		realSent = run(*realRate, func(_ int, at time.Time) {
			wg.Go(func() { add(realT, send(realClient, *realBasic, *realBody, at)) })
		})
	})
	wg.Go(func() {
		if *rate <= 0 {
			return
		}
		floodSent = run(*rate, func(i int, at time.Time) {
			if inFlight.Load() >= int64(*maxInFlight) {
				add(floodT, outcome{errored: true})
				return
			}
			inFlight.Add(1)
			c := floodClients[i%len(floodClients)]
			basic := b64(fmt.Sprintf("made-up-%016x:%016x%016x", rand.Uint64(), rand.Uint64(), rand.Uint64()))
			wg.Go(func() {
				defer inFlight.Add(-1)
				add(floodT, send(c, basic, floodBody, at))
			})
		})
	})
	wg.Wait()
	secs := time.Since(start).Seconds()
	type side struct {
		Rate     float64        `json:"rate"`
		Sent     int            `json:"sent"`
		OK       int            `json:"ok"`
		PerSec   float64        `json:"answered_per_second"`
		Statuses map[string]int `json:"statuses"`
		Errors   int            `json:"errors"`
		NoRetry  int            `json:"refusals_without_retry_after"`
		P50      float64        `json:"p50_ms"`
		P99      float64        `json:"p99_ms"`
		OKP50    float64        `json:"ok_p50_ms"`
		OKP99    float64        `json:"ok_p99_ms"`
	}
	sideOf := func(t *tally, perSecond float64, sent int) side {
		return side{Rate: perSecond, Sent: sent, OK: len(t.oks), PerSec: float64(len(t.all)) / secs, Statuses: t.statuses,
			Errors: t.errs, NoRetry: t.noRetry, P50: pct(t.all, 50), P99: pct(t.all, 99), OKP50: pct(t.oks, 50), OKP99: pct(t.oks, 99)}
	}
	out := struct {
		Seconds float64 `json:"seconds"`
		Sources int     `json:"flood_sources"`
		Real    side    `json:"real"`
		Flood   side    `json:"flood"`
	}{secs, *sources, sideOf(realT, *realRate, realSent), sideOf(floodT, *rate, floodSent)}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
