package e2e_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// recordingTB records Errorf calls instead of failing the test, to test a checker.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Helper() {}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type recorder struct{ *httptest.ResponseRecorder }

func newRecorder() *recorder { return &recorder{httptest.NewRecorder()} }

func (r *recorder) result(req *http.Request) *http.Response {
	resp := r.Result()
	resp.Request = req
	return resp
}
