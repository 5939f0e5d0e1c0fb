package adobe

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/redistest"
)

// BenchmarkBatch pushes 1000 membership changes per iteration from
// concurrent callers through the Batcher against the emulator, with the
// action limit scaled to 10 calls per second and counted in Redis. It
// reports cmds/call (goal >= 9.5) and ceiling-%, the share of the limit's
// ceiling (burst + rate x elapsed) the run used (goal >= 90).
func BenchmarkBatch(b *testing.B) {
	const changes = 1000
	period := time.Second
	rdb, prefix := redistest.Client(b)
	fake := adobefake.New(adobefake.Options{Limits: adobefake.Limits{Actions: 10, Period: period, UserReads: 1000, GroupReads: 1000, Global: 100000}})
	fake.AddProfile("Live Agent", "Dynamic Chat", 100000)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	cfg := Config{IMSURL: srv.URL, UMAPIURL: srv.URL, OrgID: fake.OrgID(), ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		Limits: Limits{ActionsPerMinute: 10, Period: period}, MaxLimitWait: 2 * time.Second}
	c, err := New(cfg, WithLimiter(ratelimit.New(rdb, prefix)))
	if err != nil {
		b.Fatal(err)
	}
	bat := NewBatcher(c, BatcherConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = bat.Run(ctx) }()
	defer func() { bat.Close(); cancel(); <-done }()

	lim := c.limitFor(kindAction)
	var failures int
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for j := range changes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := UserSpec{Email: fmt.Sprintf("u%d-%d@example.com", i, j), Type: FederatedID, Country: "US", FirstName: "B", LastName: "M"}
				if _, err := bat.EnsureMember(ctx, u, []string{"Live Agent"}, fmt.Sprintf("b%d-%d/adobe", i, j), false); err != nil {
					mu.Lock()
					failures++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	b.StopTimer()
	calls := fake.Calls(adobefake.KindAction)
	throttled := 0
	for _, r := range fake.Requests() {
		if r.Kind == adobefake.KindAction && r.Status == 429 {
			throttled++
		}
	}
	if testing.Verbose() { // where the time went: slow gaps mean the process was starved
		var prev time.Time
		var slow int
		var worst time.Duration
		for _, r := range fake.Requests() {
			if r.Kind != adobefake.KindAction {
				continue
			}
			if gap := r.Time.Sub(prev); !prev.IsZero() && gap > period/time.Duration(lim.Rate)*3/2 {
				slow++
				worst = max(worst, gap)
			}
			prev = r.Time
		}
		b.Logf("action calls %d over %v; %d gaps over 1.5 slots, worst %v", calls, elapsed.Round(time.Millisecond), slow, worst)
	}
	ceiling := float64(lim.Burst) + float64(lim.Rate)*elapsed.Seconds()/period.Seconds()
	b.ReportMetric(float64(changes*b.N)/float64(calls), "cmds/call")
	b.ReportMetric(100*float64(calls)/ceiling, "ceiling-%")
	b.ReportMetric(float64(throttled), "429s")
	b.ReportMetric(float64(failures), "failures")
	if failures > 0 || len(fake.Applied()) != changes*b.N {
		b.Errorf("failures=%d applied=%d, want 0 and %d", failures, len(fake.Applied()), changes*b.N)
	}
}
