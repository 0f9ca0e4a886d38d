package testutil

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Browser is a user agent for the HTML pages: it keeps cookies, does not follow redirects (so tests see
// where the service sends it), and checks every response against openapi.yaml like Client.
type Browser struct {
	c    *Client
	http *http.Client
	Jar  http.CookieJar
}

// NewBrowser returns a browser with an empty cookie jar.
func (s *Service) NewBrowser(t testing.TB) *Browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Browser{c: s.Client, Jar: jar, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Get loads a page; path is relative to the service (a Location header from it will do).
func (b *Browser) Get(t testing.TB, path string) *Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.c.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.do(t, req, path)
}

// Submit posts a form, as a browser does.
func (b *Browser) Submit(t testing.TB, path string, form url.Values) *Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(t, req, path)
}

func (b *Browser) do(t testing.TB, req *http.Request, path string) *Response {
	t.Helper()
	resp, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if resp.StatusCode >= 500 {
		t.Errorf("%s %s: server error %d: %s", req.Method, path, resp.StatusCode, body)
	}
	validateResponse(t, b.c.router, req, out)
	return out
}

// Cookie returns the value of the cookie the browser would send to path, or "".
func (b *Browser) Cookie(t testing.TB, path, name string) string {
	t.Helper()
	u, err := url.Parse(b.c.base + path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// FormFields returns the hidden fields of the page's form, as the browser would submit them.
func FormFields(page []byte) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllSubmatch(page, -1) {
		v.Set(html.UnescapeString(string(m[1])), html.UnescapeString(string(m[2])))
	}
	return v
}
