package reviews

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
)

// claimTTL is how long a fired slot stays claimed. Replicas whose timers
// fire late still see the claim; monthly and quarterly slots never
// collide with it.
const claimTTL = 35 * 24 * time.Hour

// Scheduler starts campaigns on their cron schedules. Every replica runs
// one; each slot is claimed in Redis as "<schedule>@<slot time>", so a
// slot starts one campaign however many replicas fire it. Jobs are
// wrapped in cron.Recover and cron.SkipIfStillRunning: a panic is
// logged and a slow run is never overlapped by the next.
type Scheduler struct {
	r       *Reviews
	entries []*entry
	// RetryBase is the first wait before a claimed slot whose campaign
	// could not start (Adobe or Marketo unreachable) tries again; each
	// wait doubles, RetryAttempts tries in all. Defaults 1 min and 7
	// (about two hours): the replica that claimed the slot is the only
	// one that will start it, so it must not give up on a brief outage.
	RetryBase     time.Duration
	RetryAttempts int
}

type entry struct {
	s     Schedule
	sched cron.Schedule
	mu    sync.Mutex
	next  time.Time // the next slot this replica expects
}

// NewScheduler parses every schedule's spec (robfig/cron standard
// parser, in the schedule's time zone) and returns a scheduler, or an
// error naming the first bad spec.
func NewScheduler(r *Reviews) (*Scheduler, error) {
	s := &Scheduler{r: r}
	for _, sc := range r.schedules {
		sched, err := parseSpec(sc)
		if err != nil {
			return nil, err
		}
		s.entries = append(s.entries, &entry{s: sc, sched: sched})
	}
	return s, nil
}

func parseSpec(sc Schedule) (cron.Schedule, error) {
	spec := sc.Spec
	if sc.Location != nil {
		spec = "CRON_TZ=" + sc.Location.String() + " " + spec
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("review schedule %s: %w", sc.Name, err)
	}
	return sched, nil
}

// Next returns the next slot of the named schedule after t.
func (s *Scheduler) Next(name string, t time.Time) (time.Time, error) {
	for _, e := range s.entries {
		if e.s.Name == name {
			return e.sched.Next(t), nil
		}
	}
	return time.Time{}, fmt.Errorf("%w: %q", ErrUnknownSchedule, name)
}

// Run fires the schedules until ctx ends, then waits for running
// campaigns to finish starting.
func (s *Scheduler) Run(ctx context.Context) error {
	lg := cronLogger{s.r.log}
	c := cron.New(cron.WithLocation(time.UTC), cron.WithLogger(lg),
		cron.WithChain(cron.Recover(lg), cron.SkipIfStillRunning(lg)))
	now := s.r.clock.Now()
	for _, e := range s.entries {
		e.mu.Lock()
		e.next = e.sched.Next(now)
		e.mu.Unlock()
		c.Schedule(e.sched, cron.FuncJob(func() { s.fired(ctx, e) }))
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	return nil
}

// fired runs when cron fires an entry: it works out the slot (the latest
// scheduled time not after now) and fires it.
func (s *Scheduler) fired(ctx context.Context, e *entry) {
	if ctx.Err() != nil {
		return
	}
	now := s.r.clock.Now()
	e.mu.Lock()
	slot := e.next
	if slot.IsZero() || slot.After(now) {
		slot = now.Truncate(time.Second)
	}
	for n := e.sched.Next(slot); !n.After(now); n = e.sched.Next(n) {
		slot = n
	}
	e.next = e.sched.Next(slot)
	e.mu.Unlock()
	if _, _, err := s.Fire(ctx, e.s.Name, slot); err != nil {
		s.r.log.Error().Err(err).Str(logging.Schedule, e.s.Name).Str("slot", slot.UTC().Format(time.RFC3339)).Msg("scheduled review")
	}
}

// Fire starts the named schedule's campaign for one slot unless another
// replica already did: it returns started=false then.
func (s *Scheduler) Fire(ctx context.Context, name string, slot time.Time) (c *Campaign, started bool, err error) {
	var sc *Schedule
	for _, e := range s.entries {
		if e.s.Name == name {
			sc = &e.s
		}
	}
	if sc == nil {
		return nil, false, fmt.Errorf("%w: %q", ErrUnknownSchedule, name)
	}
	claim := sc.Name + "@" + slot.UTC().Format(time.RFC3339)
	ok, err := s.r.store.Claim(ctx, claim, s.r.holder, claimTTL)
	if err != nil || !ok {
		return nil, false, err
	}
	base, tries := s.RetryBase, s.RetryAttempts
	if base <= 0 {
		base = time.Minute
	}
	if tries <= 0 {
		tries = 7
	}
	for attempt := 1; ; attempt++ {
		c, err = s.r.Start(ctx, *sc, approvals.System, slot.UTC())
		if err == nil {
			return c, true, nil
		}
		if attempt >= tries {
			return nil, true, fmt.Errorf("review %s for %s not started after %d tries: %w", sc.Name, slot.UTC().Format(time.RFC3339), attempt, err)
		}
		wait := base << (attempt - 1)
		s.r.log.Warn().Err(err).Str(logging.Schedule, sc.Name).Int(logging.Attempt, attempt).Dur(logging.RetryIn, wait).Msg("scheduled review could not start; trying again")
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, true, ctx.Err()
		case <-t.C:
		}
	}
}

// cronLogger adapts zerolog to robfig/cron's logger; its key-value
// pairs become fields.
type cronLogger struct{ l zerolog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug().Fields(kv).Msg("cron: " + msg) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error().Err(err).Fields(kv).Msg("cron: " + msg)
}
