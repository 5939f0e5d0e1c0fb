package ratelimit_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/redistest"
)

func TestSemaphoreCapsAcrossReplicas(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	other := secondClient(t)
	sems := []*ratelimit.Semaphore{
		ratelimit.NewSemaphore(rdb, prefix+"sem", 3, 5*time.Second),
		ratelimit.NewSemaphore(other, prefix+"sem", 3, 5*time.Second),
	}
	var inFlight, peak, done atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for g := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				release, err := sems[g%2].Acquire(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				n := inFlight.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(5 * time.Millisecond)
				inFlight.Add(-1)
				release()
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	if peak.Load() > 3 {
		t.Errorf("peak in flight %d, want <= 3", peak.Load())
	}
	if done.Load() != 36 {
		t.Errorf("completed %d, want 36", done.Load())
	}
}

func TestSemaphoreTryAcquireAndLease(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	ctx := context.Background()
	s := ratelimit.NewSemaphore(rdb, prefix+"sem", 2, 150*time.Millisecond)
	r1, err := s.TryAcquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.TryAcquire(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TryAcquire(ctx); !errors.Is(err, ratelimit.ErrSemaphoreFull) {
		t.Fatalf("third TryAcquire: %v, want ErrSemaphoreFull", err)
	}
	r1()
	r3, err := s.TryAcquire(ctx)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	defer r3()
	// The second holder never releases: its lease ends and frees the slot.
	time.Sleep(200 * time.Millisecond)
	if _, err := s.TryAcquire(ctx); err != nil {
		t.Fatalf("after lease expiry: %v", err)
	}
}

func TestSemaphoreAcquireHonoursContext(t *testing.T) {
	rdb, prefix := redistest.Client(t)
	s := ratelimit.NewSemaphore(rdb, prefix+"sem", 1, time.Minute)
	release, err := s.TryAcquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Acquire(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("Acquire: %v after %v", err, time.Since(start))
	}
}
