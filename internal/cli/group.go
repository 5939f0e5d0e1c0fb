package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chataccess/chataccess/config"
)

// DefaultShutdownTimeout bounds the whole teardown of serve: every actor
// together, not each one (server.shutdown_timeout sets it).
const DefaultShutdownTimeout = config.DefaultShutdownTimeout

// actor is one long-running part of the process: run blocks until the
// part stops; interrupt asks it to stop and may block while the part
// finishes what it holds.
type actor struct {
	name      string
	run       func() error
	interrupt func(error)
}

// group runs actors until the first one returns, then stops the rest one
// by one in reverse order of addition, waiting for each before the next:
// the front doors (HTTP, Slack) stop taking work first, then the
// workers finish or release what they hold, and the parts they use (the
// Adobe batcher) go last. Each actor owns its context; only the signal
// actor watches the signal. The whole teardown shares one deadline
// (timeout, default DefaultShutdownTimeout); an actor still running then
// is named in the error and left behind.
type group struct {
	actors  []actor
	timeout time.Duration
	// stopping is when the first actor returned and the teardown began.
	stopping time.Time
}

func (g *group) add(name string, run func() error, interrupt func(error)) {
	g.actors = append(g.actors, actor{name, run, interrupt})
}

// addContext adds an actor that runs until its own context is
// cancelled. The context derives from nothing outside the group, so a
// signal reaches it only through the group, in order.
func (g *group) addContext(name string, run func(context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	g.add(name, func() error { return run(ctx) }, func(error) { cancel() })
}

// errSignal is the signal actor's answer: the cause of the signal
// context (for os/signal.NotifyContext, which signal arrived).
type errSignal struct{ cause error }

func (e errSignal) Error() string {
	if e.cause == nil {
		return "stopped"
	}
	return e.cause.Error()
}

// addSignal adds the one actor that watches sig (the process's signal
// context): it returns when sig is done.
func (g *group) addSignal(sig context.Context) {
	stop := make(chan struct{})
	g.add("signal", func() error {
		select {
		case <-sig.Done():
			return errSignal{context.Cause(sig)}
		case <-stop:
			return nil
		}
	}, func(error) { close(stop) })
}

// run returns the name of the actor that stopped first and its error
// (nil for a signal), joined with a deadline error naming every actor
// that had not stopped when the teardown deadline passed.
func (g *group) run() (string, error) {
	if len(g.actors) == 0 {
		return "", nil
	}
	type result struct {
		i   int
		err error
	}
	done := make(chan result, len(g.actors))
	finished := make([]chan struct{}, len(g.actors))
	for i, a := range g.actors {
		finished[i] = make(chan struct{})
		go func() {
			err := a.run()
			close(finished[i])
			done <- result{i, err}
		}()
	}
	first := <-done
	g.stopping = time.Now()
	timeout := g.timeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	dctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stuck []string
	for i := len(g.actors) - 1; i >= 0; i-- {
		if !g.stop(i, first.err, finished[i], dctx.Done()) {
			stuck = append(stuck, g.actors[i].name)
		}
	}
	err := first.err
	if _, ok := err.(errSignal); ok {
		err = nil
	}
	if len(stuck) > 0 {
		err = errors.Join(err, fmt.Errorf("shutdown deadline of %s passed; still running: %s", timeout, strings.Join(stuck, ", ")))
	}
	return g.actors[first.i].name, err
}

// stop interrupts actor i and waits for it until the deadline fires;
// false means it had not stopped by then. Once the deadline has passed
// every later actor is still interrupted but not waited for.
func (g *group) stop(i int, cause error, finished chan struct{}, deadline <-chan struct{}) bool {
	interrupted := make(chan struct{})
	go func() {
		g.actors[i].interrupt(cause)
		close(interrupted)
	}()
	for _, c := range []chan struct{}{interrupted, finished} {
		select {
		case <-c:
			continue // done already, even if the deadline passed too
		default:
		}
		select {
		case <-c:
		case <-deadline:
			return false
		}
	}
	return true
}
