package postack_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot/postack"
)

// TestConcurrencyBounded: never more tasks at once than workers, and
// every accepted task runs.
func TestConcurrencyBounded(t *testing.T) {
	r := postack.New(context.Background(), postack.Config{Workers: 3, Timeout: time.Second})
	var running, peak, done atomic.Int64
	for range 40 {
		if !r.Go(func(context.Context) {
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(2 * time.Millisecond)
			running.Add(-1)
			done.Add(1)
		}) {
			t.Fatal("a task was dropped below the queue bound")
		}
	}
	if err := r.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if done.Load() != 40 || peak.Load() > 3 || peak.Load() == 0 {
		t.Fatalf("done %d, peak %d (workers 3)", done.Load(), peak.Load())
	}
}

// TestFullQueueDropsAndCounts: past 16 waiting tasks per worker, Go
// refuses, counts the drop and logs it; Busy says so beforehand.
func TestFullQueueDropsAndCounts(t *testing.T) {
	var dropped atomic.Int64
	var logs bytes.Buffer
	r := postack.New(context.Background(), postack.Config{Workers: 1, Timeout: time.Second, Dropped: func() { dropped.Add(1) }, Logger: zerolog.New(&logs)})
	release := make(chan struct{})
	block := func(context.Context) { <-release }
	for i := range 16 {
		if r.Busy() {
			t.Fatalf("busy after %d tasks", i)
		}
		if !r.Go(block) {
			t.Fatalf("task %d dropped", i)
		}
	}
	if !r.Busy() {
		t.Fatal("not busy with 16 tasks for 1 worker")
	}
	for range 2 {
		if r.Go(block) {
			t.Fatal("a task past the bound was accepted")
		}
	}
	if n := dropped.Load(); n != 2 {
		t.Fatalf("%d drops reported, want 2", n)
	}
	if !bytes.Contains(logs.Bytes(), []byte("runner queue full")) {
		t.Fatalf("no log line for the drop: %s", logs.String())
	}
	close(release)
	if err := r.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.Busy() || !r.Go(func(context.Context) {}) {
		t.Fatal("the runner did not recover room after the work drained")
	}
	_ = r.Wait(context.Background())
}

// TestTaskTimeoutAndContext: each task's context ends after the
// timeout, carries the runner's logger, and outlives nothing but base.
func TestTaskTimeoutAndContext(t *testing.T) {
	var logs bytes.Buffer
	r := postack.New(context.Background(), postack.Config{Workers: 1, Timeout: 30 * time.Millisecond, Logger: zerolog.New(&logs)})
	var got error
	var deadline bool
	r.Go(func(ctx context.Context) {
		_, deadline = ctx.Deadline()
		zerolog.Ctx(ctx).Info().Msg("from the task")
		<-ctx.Done()
		got = ctx.Err()
	})
	if err := r.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !deadline || !errors.Is(got, context.DeadlineExceeded) {
		t.Fatalf("deadline %v, err %v", deadline, got)
	}
	if !bytes.Contains(logs.Bytes(), []byte("from the task")) {
		t.Fatal("the task's context does not carry the runner's logger")
	}
}

// TestPanicIsContained: a panicking task is logged; the runner goes on.
func TestPanicIsContained(t *testing.T) {
	var logs bytes.Buffer
	r := postack.New(context.Background(), postack.Config{Workers: 1, Logger: zerolog.New(&logs)})
	r.Go(func(context.Context) { panic("boom") })
	var ran atomic.Bool
	r.Go(func(context.Context) { ran.Store(true) })
	if err := r.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !ran.Load() || !bytes.Contains(logs.Bytes(), []byte("post-ack work panicked")) || !bytes.Contains(logs.Bytes(), []byte("boom")) {
		t.Fatalf("ran %v, logs %s", ran.Load(), logs.String())
	}
}

// TestCancelledBaseSkipsWaitingWork: work still waiting for a worker
// when base ends is not started; Wait with an ended ctx returns its
// error without waiting.
func TestCancelledBaseSkipsWaitingWork(t *testing.T) {
	base, cancel := context.WithCancel(context.Background())
	r := postack.New(base, postack.Config{Workers: 1, Timeout: time.Second})
	release := make(chan struct{})
	var mu sync.Mutex
	started := 0
	for range 3 {
		r.Go(func(ctx context.Context) {
			mu.Lock()
			started++
			mu.Unlock()
			select {
			case <-release:
			case <-ctx.Done():
			}
		})
	}
	short, stop := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer stop()
	if err := r.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with an ended ctx: %v", err)
	}
	cancel()
	if err := r.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(release)
	if started != 1 {
		t.Fatalf("%d tasks started, want 1 (the others waited past base)", started)
	}
	if !r.Go(nil) {
		t.Fatal("a nil task is refused")
	}
}
