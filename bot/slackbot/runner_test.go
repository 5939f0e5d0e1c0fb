package slackbot

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"
)

// TestRunnerCountsDrops: post-ack work dropped by a full queue is
// counted in chataccess_slack_after_dropped_total.
func TestRunnerCountsDrops(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	r := NewRunner(context.Background(), 1, time.Second, zerolog.Nop(), m)
	release := make(chan struct{})
	for !r.Busy() {
		r.Go(func(context.Context) { <-release })
	}
	if r.Go(func(context.Context) {}) {
		t.Fatal("a full runner accepted work")
	}
	close(release)
	_ = r.Wait(context.Background())
	if n, err := testutil.GatherAndCount(reg, "chataccess_slack_after_dropped_total"); err != nil || n != 1 {
		t.Fatalf("chataccess_slack_after_dropped_total: %d series, %v", n, err)
	}
	if v := testutil.ToFloat64(m.laterDrops); v != 1 {
		t.Fatalf("%v drops counted, want 1", v)
	}
}
