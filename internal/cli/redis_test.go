package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/internal/redistest"
)

// TestRedisLogsAsJSON: a line go-redis logs itself (here: an expiry
// below its millisecond resolution, which it truncates and reports)
// comes out as one JSON line with component=redis, not as go-redis's
// plain "redis: …" line on stderr.
func TestRedisLogsAsJSON(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	var buf bytes.Buffer
	logRedisTo(zerolog.New(zerolog.SyncWriter(&buf)))
	t.Cleanup(func() { redis.SetLogger(redisLogger{zerolog.Nop()}) })

	ctx := context.Background()
	if err := rdb.Set(ctx, prefix+"log-probe", "x", 500*time.Microsecond).Err(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one line, got:\n%s", buf.String())
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatalf("not JSON: %v: %s", err, lines[0])
	}
	msg, _ := m["message"].(string)
	if m["component"] != "redis" || m["level"] != "warn" || !strings.Contains(msg, "truncating to 1ms") {
		t.Errorf("line = %s", lines[0])
	}
}

// TestRedisLoggerTrimsPrefix: go-redis's own "redis: " prefix and
// trailing newline do not reach the message.
func TestRedisLoggerTrimsPrefix(t *testing.T) {
	var buf bytes.Buffer
	redisLogger{zerolog.New(&buf)}.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts: %v\n", 5, "refused")
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["message"] != "connection pool: failed to dial after 5 attempts: refused" {
		t.Errorf("message = %q", m["message"])
	}
}
