package cli

import "context"

// actor is one long-running part of the process: run blocks until the
// part stops; interrupt asks it to stop.
type actor struct {
	name      string
	run       func() error
	interrupt func(error)
}

// group runs actors until the first one returns, then stops the rest one
// by one in reverse order of addition, waiting for each before the next:
// the front doors (HTTP, Slack) stop taking work first, then the workers
// finish what they hold, and the parts they use (the Adobe batcher) go
// last.
type group struct{ actors []actor }

func (g *group) add(name string, run func() error, interrupt func(error)) {
	g.actors = append(g.actors, actor{name, run, interrupt})
}

// addContext adds an actor that runs until its context is cancelled.
func (g *group) addContext(ctx context.Context, name string, run func(context.Context) error) {
	ctx, cancel := context.WithCancel(ctx)
	g.add(name, func() error { return run(ctx) }, func(error) { cancel() })
}

// run returns the name and error of the actor that stopped first.
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
	for i := len(g.actors) - 1; i >= 0; i-- {
		g.actors[i].interrupt(first.err)
		<-finished[i]
	}
	return g.actors[first.i].name, first.err
}
