package cli

import "context"

// actor is one long-running part of the process: run blocks until the
// part stops; interrupt asks it to stop.
type actor struct {
	name      string
	run       func() error
	interrupt func(error)
}

// group runs actors until the first one returns, then interrupts the
// rest in reverse order of addition (the HTTP front door first, the
// stores last) and waits for all of them.
type group struct{ actors []actor }

func (g *group) add(name string, run func() error, interrupt func(error)) {
	g.actors = append(g.actors, actor{name, run, interrupt})
}

// addContext adds an actor that runs until its context is cancelled.
func (g *group) addContext(ctx context.Context, name string, run func(context.Context) error) {
	ctx, cancel := context.WithCancel(ctx)
	g.add(name, func() error { return run(ctx) }, func(error) { cancel() })
}

type result struct {
	name string
	err  error
}

// run returns the name and error of the actor that stopped first.
func (g *group) run() (string, error) {
	if len(g.actors) == 0 {
		return "", nil
	}
	done := make(chan result, len(g.actors))
	for _, a := range g.actors {
		go func() { done <- result{a.name, a.run()} }()
	}
	first := <-done
	for i := len(g.actors) - 1; i >= 0; i-- {
		g.actors[i].interrupt(first.err)
	}
	for range len(g.actors) - 1 {
		<-done
	}
	return first.name, first.err
}
