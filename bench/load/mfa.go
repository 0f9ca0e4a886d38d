package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// mfaGrants measures the mfa grant: for -users accounts (prefix N @example.com, N from 1, all with the
// password -password and the authenticator key -key, made by the caller), the first step (password
// grant: a restrictive token each) and then, timed on its own, the second step (the mfa grant with the
// current code), closed loop over -c connections. A code works once per account, so each account
// gives one second step. Prints one JSON line.
func mfaGrants(args []string) {
	fs := flag.NewFlagSet("mfa", flag.ExitOnError)
	base := fs.String("url", "", "the service's base URL")
	basic := fs.String("basic", "", "the client's HTTP Basic credentials, base64")
	prefix := fs.String("prefix", "mfa-bench-", "the accounts' email prefix")
	users := fs.Int("users", 1000, "accounts")
	password := fs.String("password", "", "their password")
	key := fs.String("key", "", "their authenticator key (base32)")
	conns := fs.Int("c", 8, "connections of the second steps")
	firstConns := fs.Int("first-c", 4, "connections of the first steps (password checks: a few more than the cores)")
	_ = fs.Parse(args)
	loopbackOnly(*base)
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: *conns}}
	post := func(form url.Values) (int, map[string]any, time.Duration) {
		req, err := http.NewRequest(http.MethodPost, *base+"/api/oauth/token", strings.NewReader(form.Encode()))
		if err != nil {
			log.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Basic "+*basic)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		took := time.Since(start)
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		return resp.StatusCode, m, took
	}
	// run calls f(i) for i in [0, n) over conns workers and returns the time it took.
	run := func(n, conns int, f func(i int)) time.Duration {
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range conns {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
					f(i)
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}

	tokens := make([]string, *users)
	firstTook := run(*users, *firstConns, func(i int) {
		form := url.Values{"grant_type": {"password"}, "username": {fmt.Sprintf("%s%d@example.com", *prefix, i+1)}, "password": {*password}}
		status, m, _ := post(form)
		for status == http.StatusServiceUnavailable { // the password checks' queue is full: as a client would, wait and retry
			time.Sleep(50 * time.Millisecond)
			status, m, _ = post(form)
		}
		if status != http.StatusOK || m["mfa_required"] != true {
			log.Fatalf("first step of account %d: %d %v", i+1, status, m)
		}
		tokens[i] = m["access_token"].(string)
	})

	var (
		mu        sync.Mutex
		statuses  = map[string]int{}
		latencies = make([]float64, 0, *users)
	)
	secondTook := run(*users, *conns, func(i int) {
		code, err := totp.GenerateCodeCustom(*key, time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			log.Fatal(err)
		}
		status, _, took := post(url.Values{"grant_type": {"mfa"}, "mfa_token": {tokens[i]}, "mfa_code": {code}})
		mu.Lock()
		statuses[fmt.Sprint(status)]++
		latencies = append(latencies, float64(took.Microseconds())/1000)
		mu.Unlock()
	})
	slices.Sort(latencies)
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{
		"users": *users, "first_steps_per_second": float64(*users) / firstTook.Seconds(),
		"mfa_grants_per_second": float64(*users) / secondTook.Seconds(), "statuses": statuses,
		"p50_ms": pct(latencies, 0.50), "p99_ms": pct(latencies, 0.99),
	})
}
