package ingress_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot/ingress"
)

// failingBody fails after its first bytes.
type failingBody struct{ sent bool }

func (f *failingBody) Read(p []byte) (int, error) {
	if f.sent {
		return 0, errors.New("connection reset")
	}
	f.sent = true
	return copy(p, "{"), nil
}

func (f *failingBody) Close() error { return nil }

func TestReadBody(t *testing.T) {
	tests := []struct {
		name          string
		body          io.ReadCloser
		contentLength int64
		status        int
		outcome       string
	}{
		{"within the limit", io.NopCloser(strings.NewReader("0123456789")), 10, 0, ""},
		{"exactly the limit", io.NopCloser(strings.NewReader("0123456789abcdef")), 16, 0, ""},
		{"announced too large", io.NopCloser(strings.NewReader("x")), 17, http.StatusRequestEntityTooLarge, ingress.TooLarge},
		{"turns out too large", io.NopCloser(strings.NewReader(strings.Repeat("x", 17))), -1, http.StatusRequestEntityTooLarge, ingress.TooLarge},
		{"unreadable", &failingBody{}, -1, http.StatusBadRequest, ingress.BadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", nil)
			r.Body, r.ContentLength = tc.body, tc.contentLength
			body, status, outcome := ingress.ReadBody(httptest.NewRecorder(), r, 16)
			if status != tc.status || outcome != tc.outcome {
				t.Fatalf("status %d outcome %q, want %d %q", status, outcome, tc.status, tc.outcome)
			}
			if status == 0 && int64(len(body)) != tc.contentLength {
				t.Fatalf("read %d bytes", len(body))
			}
			if status != 0 && body != nil {
				t.Fatal("a refused body was returned")
			}
		})
	}
}

func TestCallTurnsPanicIntoError(t *testing.T) {
	var logs bytes.Buffer
	log := zerolog.New(&logs)
	if err := ingress.Call(log, "HandleCommand", func() {}); err != nil {
		t.Fatal(err)
	}
	err := ingress.Call(log, "HandleAction", func() { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "HandleAction: handler panicked") {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(logs.String(), `"call":"HandleAction"`) || !strings.Contains(logs.String(), "boom") {
		t.Fatalf("logs %s", logs.String())
	}
}
