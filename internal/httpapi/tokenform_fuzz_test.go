package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// FuzzTokenForm: whatever form body, query string, content type and Authorization header reach the
// token endpoint, the answer is one it documents, as an RFC 6749 error when it is not 200, never a 5xx.
// The service runs in-process on the embedded store, built once per fuzzing process.
func FuzzTokenForm(f *testing.F) {
	svc := testutil.Start(f, testutil.WithDatabase(testutil.NewSQLite(f)))
	svc.CreateUser(f, alice, false)
	svc.RegisterClient(f, clientID)
	good := "Basic " + b64std(clientID+":"+testutil.ClientSecret)
	form := "application/x-www-form-urlencoded"
	for _, s := range []struct{ body, query, ct, auth string }{
		{"grant_type=password&username=" + alice + "&password=" + testutil.Password, "", form, good},
		{"grant_type=password&username=" + alice + "&password=wrong", "", form, good},
		{"grant_type=refresh_token&refresh_token=x", "", form, good},
		{"grant_type=authorization_code&code=x&redirect_uri=https%3A%2F%2Fa&code_verifier=y", "", form, good},
		{"grant_type=authorization_code&client_id=" + clientID + "&code=x", "", form, ""},
		{"grant_type=%zz", "", form, good},
		{"grant_type=password", "%zz", form, good},
		{"grant_type=password;username=a", "a=1;b=2", form, good},
		{"grant_type=password&grant_type=refresh_token", "", form, good},
		{"grant_type=password&username=%00&password=%ff%fe", "", form, good},
		{`{"grant_type":"password"}`, "", "application/json", good},
		{"grant_type=password", "", form + "; charset=utf-16", "Basic !!"},
		{"grant_type=password", "", form, "Basic " + b64std("\x00:\xff")},
		{"", "", "", ""},
	} {
		f.Add(s.body, s.query, s.ct, s.auth)
	}
	documented := map[int]bool{200: true, 400: true, 401: true, 413: true, 415: true, 429: true, 503: true}
	f.Fuzz(func(t *testing.T, body, query, ct, auth string) {
		target := "/api/oauth/token"
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1"+target, bytes.NewReader([]byte(body)))
		if err != nil {
			return // not a request a client could send
		}
		req.Header["Content-Type"] = []string{ct}
		req.Header["Authorization"] = []string{auth}
		rec := httptest.NewRecorder()
		svc.Handler.ServeHTTP(rec, req)
		if !documented[rec.Code] {
			t.Fatalf("status %d is not documented: %s", rec.Code, rec.Body)
		}
		if rec.Code == 503 {
			return
		}
		var out map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%d: body is not JSON: %q", rec.Code, rec.Body)
		}
		if rec.Code >= 400 && rec.Code != 413 && rec.Code != 415 {
			if _, ok := out["error"].(string); !ok {
				t.Fatalf("%d: not an RFC 6749 error: %s", rec.Code, rec.Body)
			}
		}
	})
}

func b64std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
