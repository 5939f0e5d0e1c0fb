package cli

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/ratelimit"
	"github.com/chataccess/chataccess/internal/redistest"
)

// stopLog records, in order, what the actors of a group did.
type stopLog struct {
	mu     sync.Mutex
	events []string
}

func (l *stopLog) add(ev string) {
	l.mu.Lock()
	l.events = append(l.events, ev)
	l.mu.Unlock()
}

func (l *stopLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// waitsForCancel is an actor that logs when it is interrupted and, after
// finishing what it holds, when it returns.
func waitsForCancel(log *stopLog, name string) func(context.Context) error {
	return func(ctx context.Context) error {
		<-ctx.Done()
		log.add("interrupted " + name)
		for range 100 {
			runtime.Gosched() // finishing what it holds takes a while
		}
		log.add("stopped " + name)
		return nil
	}
}

// TestGroupStopsInReverseOrder: a signal stops the group; the other
// actors are stopped in reverse order of addition, each one only after
// the one before it has returned, and the signal is no error.
func TestGroupStopsInReverseOrder(t *testing.T) {
	var g group
	var log stopLog
	sig, send := context.WithCancelCause(context.Background())
	g.addSignal(sig)
	for _, name := range []string{"batcher", "workers", "http"} {
		g.addContext(name, waitsForCancel(&log, name))
	}
	send(errors.New("terminated"))
	name, err := g.run()
	if name != "signal" || err != nil {
		t.Fatalf("run = %q, %v; want signal, nil", name, err)
	}
	want := []string{"interrupted http", "stopped http", "interrupted workers", "stopped workers", "interrupted batcher", "stopped batcher"}
	if got := log.get(); !slices.Equal(got, want) {
		t.Fatalf("stop order\n got %v\nwant %v", got, want)
	}
}

// TestGroupReturnsTheFirstActor: the actor that returns first is named;
// its error surfaces unless it is the signal's, and every other actor
// is stopped, the signal watcher included.
func TestGroupReturnsTheFirstActor(t *testing.T) {
	boom := errors.New("listen: address in use")
	for _, tc := range []struct {
		name    string
		first   string
		failing func(context.Context) error
		signal  bool
		wantErr error
	}{
		{name: "signal", first: "signal", signal: true},
		{name: "actor fails", first: "http", failing: func(context.Context) error { return boom }, wantErr: boom},
		{name: "actor ends cleanly", first: "http", failing: func(context.Context) error { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var g group
			var log stopLog
			sig, send := context.WithCancelCause(context.Background())
			defer send(nil)
			g.addSignal(sig)
			g.addContext("workers", waitsForCancel(&log, "workers"))
			if tc.failing != nil {
				g.addContext("http", tc.failing)
			} else {
				g.addContext("http", waitsForCancel(&log, "http"))
			}
			if tc.signal {
				send(errors.New("interrupt"))
			}
			name, err := g.run()
			if name != tc.first || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("run = %q, %v; want %q, %v", name, err, tc.first, tc.wantErr)
			}
			if got := log.get(); !slices.Contains(got, "stopped workers") {
				t.Fatalf("workers were not stopped: %v", got)
			}
		})
	}
}

// TestGroupDeadlineNamesStuckActors: an actor that does not stop within
// g.timeout is named in the error next to the first actor's error, run
// returns without it, and the actors added before it are still
// interrupted.
func TestGroupDeadlineNamesStuckActors(t *testing.T) {
	boom := errors.New("slack: connection lost")
	for _, tc := range []struct {
		name  string
		stuck func(release <-chan struct{}) (run func() error, interrupt func(error))
	}{
		{"run ignores the interrupt", func(release <-chan struct{}) (func() error, func(error)) {
			return func() error { <-release; return nil }, func(error) {}
		}},
		{"interrupt blocks", func(release <-chan struct{}) (func() error, func(error)) {
			stop := make(chan struct{})
			return func() error { <-stop; return nil }, func(error) { <-release; close(stop) }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			var g group
			g.timeout = 50 * time.Millisecond
			var log stopLog
			batcherStopped := make(chan struct{})
			g.addContext("batcher", func(ctx context.Context) error {
				<-ctx.Done()
				log.add("stopped batcher")
				close(batcherStopped)
				return nil
			})
			run, interrupt := tc.stuck(release)
			g.add("workers", run, interrupt)
			g.addContext("http", waitsForCancel(&log, "http"))
			g.addContext("slack", func(context.Context) error { return boom })

			start := time.Now()
			name, err := g.run()
			if name != "slack" || !errors.Is(err, boom) {
				t.Fatalf("run = %q, %v; want slack and its error", name, err)
			}
			if err == nil || !strings.Contains(err.Error(), "shutdown deadline of 50ms passed; still running: workers") {
				t.Fatalf("error %v does not name the stuck actor", err)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Fatalf("run took %s: it waited for the stuck actor", took)
			}
			if got := log.get(); !slices.Contains(got, "stopped http") {
				t.Fatalf("http was not stopped before the stuck actor: %v", got)
			}
			// The batcher comes after the deadline: it is interrupted even
			// though the group no longer waits for it.
			select {
			case <-batcherStopped:
			case <-time.After(10 * time.Second):
				t.Fatal("the actor after the stuck one was never interrupted")
			}
		})
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
