package cli

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// healthServer answers /healthz with 200 and /readyz with ready's code.
func healthServer(t *testing.T, ready int) (addr string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			_, _ = w.Write([]byte("ok\n"))
		case "/readyz":
			w.WriteHeader(ready)
			_, _ = w.Write([]byte("redis unavailable\ndetail\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func runHealthcheckCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	return code, out.String(), errb.String()
}

func TestHealthcheck(t *testing.T) {
	addr := healthServer(t, http.StatusServiceUnavailable)
	_, port, _ := net.SplitHostPort(addr)
	policy := func(server string) string {
		p := filepath.Join(t.TempDir(), "chataccess.yaml")
		if err := os.WriteFile(p, []byte("admins: [a@example.com]\nserver:\n"+server), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"alive", []string{"--addr", addr}, 0, "ok: http://" + addr + "/healthz"},
		{"not ready", []string{"--addr", addr, "--ready"}, 1, "503 Service Unavailable redis unavailable"},
		{"listen from the policy, wildcard host", []string{"--config", policy("  listen: \":" + port + "\"\n")}, 0, "http://127.0.0.1:" + port + "/healthz"},
		{"ops listener wins", []string{"--config", policy("  listen: \":1\"\n  ops_listen: \"0.0.0.0:" + port + "\"\n")}, 0, "http://127.0.0.1:" + port},
		{"nothing listening", []string{"--addr", "127.0.0.1:1"}, 1, "connection refused"},
		{"bad flag", []string{"--nope"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runHealthcheckCLI(t, append([]string{"healthcheck"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out+errs, tt.contains) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d with %q", code, out, errs, tt.code, tt.contains)
			}
		})
	}
}

// TestHealthcheckTimeout: a process that accepts but never answers is
// unhealthy within the timeout.
func TestHealthcheckTimeout(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hang }))
	t.Cleanup(func() { close(hang); srv.Close() })
	start := time.Now()
	code, _, errs := runHealthcheckCLI(t, "healthcheck", "--addr", strings.TrimPrefix(srv.URL, "http://"), "--timeout", "200ms")
	if code != 1 || time.Since(start) > 2*time.Second || !strings.Contains(errs, "deadline exceeded") && !strings.Contains(errs, "Timeout") {
		t.Fatalf("exit %d after %s: %s", code, time.Since(start), errs)
	}
}

func TestListenAddr(t *testing.T) {
	if got, err := listenAddr(filepath.Join(t.TempDir(), "missing.yaml")); err != nil || got != ":8080" {
		t.Fatalf("missing file: %q, %v", got, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	_ = os.WriteFile(bad, []byte("server: [\n"), 0o600)
	if _, err := listenAddr(bad); err == nil {
		t.Fatal("a broken file was read")
	}
	for in, want := range map[string]string{":8080": "127.0.0.1:8080", "0.0.0.0:9": "127.0.0.1:9", "[::]:9": "[::1]:9", "10.0.0.5:9": "10.0.0.5:9"} {
		if got := dialAddr(in); got != want {
			t.Errorf("dialAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
