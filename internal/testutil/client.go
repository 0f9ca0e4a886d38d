package testutil

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/cocoondata/access-service/gen"
)

// Client sends requests to the service and checks every response against openapi.yaml: its status must
// be one the operation documents, and its headers and body must match the schema.
type Client struct {
	base   string
	http   *http.Client
	router routers.Router
}

// htmlDecoder lets responses of the HTML pages be checked against openapi.yaml (kin-openapi knows no
// text/html decoder); registered once, before any response is validated.
var htmlDecoder sync.Once

// NewClient returns a client for the service at base.
func NewClient(t testing.TB, base string) *Client {
	t.Helper()
	return &Client{base: base, http: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, router: specRouter(t)}
}

func specRouter(t testing.TB) routers.Router {
	t.Helper()
	htmlDecoder.Do(func() { openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder) })
	spec, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	r, err := gorillamux.NewRouter(spec)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// ValidatingTransport wraps base (http.DefaultTransport if nil) so that every response that passes
// through it is checked against openapi.yaml exactly as Client.Do checks its own; a response that does
// not match fails the test. Give it to any HTTP client, such as the generated one (see Service.API).
func ValidatingTransport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	t.Helper()
	if base == nil {
		base = http.DefaultTransport
	}
	return &validatingTransport{t: t, base: base, router: specRouter(t)}
}

type validatingTransport struct {
	t      testing.TB
	base   http.RoundTripper
	router routers.Router
}

func (v *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := v.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
		v.t.Errorf("%s %s: server error %d: %s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	validateResponse(v.t, v.router, req, out)
	return resp, nil
}

// Response is a finished response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object.
func (r *Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// Request is what to send.
type Request struct {
	Method      string
	Path        string // with query
	Token       string // bearer token
	Basic       string // "user:pass" for HTTP Basic
	ContentType string
	Body        []byte
	Header      http.Header
}

// Do sends the request and validates the response.
func (c *Client) Do(t testing.TB, r Request) *Response {
	t.Helper()
	req, err := http.NewRequest(r.Method, c.base+r.Path, bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	if r.Basic != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(r.Basic)))
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("%s %s: server error %d: %s", r.Method, r.Path, resp.StatusCode, body)
	}
	validateResponse(t, c.router, req, out)
	return out
}

func validateResponse(t testing.TB, router routers.Router, req *http.Request, resp *Response) {
	t.Helper()
	route, params, err := router.FindRoute(req)
	if err != nil {
		// Not an operation of the spec: only the problem shape is checked (an HTML error page on the
		// browser pages' paths, whose other answers are HTML too).
		ct := resp.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "text/html") && answersHTML(router, req) {
			return
		}
		if !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("%s %s: answer to an unknown route is %q, not problem+json", req.Method, req.URL.Path, ct)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.Status,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(resp.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: response %d does not match openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, resp.Status, err, resp.Body)
	}
}

// Get sends a GET with a bearer token (none if empty).
func (c *Client) Get(t testing.TB, path, token string) *Response {
	t.Helper()
	return c.Do(t, Request{Method: http.MethodGet, Path: path, Token: token})
}

// PostForm sends a form-encoded POST with HTTP Basic credentials (none if empty).
func (c *Client) PostForm(t testing.TB, path, basic string, form map[string]string) *Response {
	t.Helper()
	v := url.Values{}
	for k, val := range form {
		v.Set(k, val)
	}
	return c.Do(t, Request{Method: http.MethodPost, Path: path, Basic: basic,
		ContentType: "application/x-www-form-urlencoded", Body: []byte(v.Encode())})
}

// answersHTML: another method of req's path is an operation that answers with HTML pages.
func answersHTML(router routers.Router, req *http.Request) bool {
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		r := req.Clone(req.Context())
		r.Method = m
		route, _, err := router.FindRoute(r)
		if err != nil || route.Operation == nil {
			continue
		}
		for _, ref := range route.Operation.Responses.Map() {
			if ref.Value != nil && ref.Value.Content.Get("text/html") != nil {
				return true
			}
		}
	}
	return false
}
