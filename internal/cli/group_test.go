package cli

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/redistest"
)

func TestGroupStopsInReverseOrder(t *testing.T) {
	var g group
	var mu sync.Mutex
	var stopped []string
	for _, name := range []string{"batcher", "workers", "http"} {
		g.addContext(context.Background(), name, func(ctx context.Context) error {
			<-ctx.Done()
			mu.Lock()
			stopped = append(stopped, name)
			mu.Unlock()
			return nil
		})
	}
	boom := errors.New("signal")
	g.add("signals", func() error { return boom }, func(error) {})
	name, err := g.run()
	if name != "signals" || !errors.Is(err, boom) {
		t.Fatalf("first = %s, %v", name, err)
	}
	if len(stopped) != 3 || stopped[0] != "http" || stopped[1] != "workers" || stopped[2] != "batcher" {
		t.Fatalf("stop order %v", stopped)
	}
}

func TestSlackPacerSharesOneSlotPerChannelAcrossReplicas(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	a := slackPacer{lim: ratelimit.New(rdb, prefix)}
	b := slackPacer{lim: ratelimit.New(rdb, prefix)} // another replica
	ctx := context.Background()
	start := time.Now()
	for _, p := range []slackPacer{a, b, a} {
		if err := p.Wait(ctx, "C1"); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 1900*time.Millisecond {
		t.Fatalf("three posts to one channel from two replicas took %s, want about 2s", took)
	}
	if err := a.Wait(ctx, "C2"); err != nil { // another channel is not held up
		t.Fatal(err)
	}
}
