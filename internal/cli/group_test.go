package cli

import (
	"context"
	"errors"
	"sync"
	"testing"
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
