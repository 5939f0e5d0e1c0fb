package adobe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/internal/logging"
	"github.com/rs/zerolog"
)

// UserChange is one membership change: add the user to Add and remove
// them from Remove, creating the account first when User.Type is set and
// there is something to add.
type UserChange struct {
	User      UserSpec
	Add       []string
	Remove    []string
	RequestID string // echoed by UMAPI; workers pass "<request id>/<step>"
	TestOnly  bool   // validate only (?testOnly=true)
}

// Result is the outcome of one successful change.
type Result struct {
	RequestID string
	TestOnly  bool
	// Absent says a removal found no such user in the org: nothing was
	// left to remove, which is the desired state.
	Absent   bool
	Warnings []CommandIssue
}

// ErrBatcherClosed is returned by Do after Close.
var ErrBatcherClosed = errors.New("adobe: batcher closed")

// BatcherConfig tunes a Batcher.
type BatcherConfig struct {
	// Window is how long the first waiting change waits for company
	// before a call goes out with fewer than MaxCommands. Default 250ms.
	Window time.Duration
	// MaxCommands per call; default and maximum 10 (MaxCommandsPerCall).
	MaxCommands int
	Logger      zerolog.Logger
}

// Batcher coalesces changes from concurrent callers into action calls of
// up to ten commands, one command per user per call (ActionsCmds.md: do not
// put the same user in two entries of one request). It takes the rate-limit
// slot before choosing the commands, so while it waits for a slot the
// queue fills and every call carries as many commands as there are.
type Batcher struct {
	c   *Client
	cfg BatcherConfig
	log zerolog.Logger

	mu       sync.Mutex
	queue    []*pending
	inflight map[string]bool
	closed   bool
	running  bool
	wake     chan struct{}
	done     chan struct{}
	sends    sync.WaitGroup
}

type pending struct {
	ch   UserChange
	cmd  Command
	key  string
	enq  time.Time
	out  chan outcome
	gone bool // caller gave up; skip
}

type outcome struct {
	res Result
	err error
}

// NewBatcher returns a Batcher sending through c. Call Run.
func NewBatcher(c *Client, cfg BatcherConfig) *Batcher {
	if cfg.Window <= 0 {
		cfg.Window = 250 * time.Millisecond
	}
	if cfg.MaxCommands <= 0 || cfg.MaxCommands > MaxCommandsPerCall {
		cfg.MaxCommands = MaxCommandsPerCall
	}
	return &Batcher{c: c, cfg: cfg, log: logging.WithComponent(cfg.Logger, "adobe_batcher"),
		inflight: map[string]bool{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// Do queues ch and waits for its own outcome: nil error when its command
// succeeded (including "already a member"), its own *failure.Error when only its
// command failed, or the call's *failure.Error when the whole call failed.
func (b *Batcher) Do(ctx context.Context, ch UserChange) (Result, error) {
	if ch.User.Email == "" && ch.User.Username == "" {
		e := newError(opAction, failure.ReasonInvalid)
		e.Code, e.Message = codeValidation, "change has no user"
		return Result{}, e
	}
	cmd := NewCommand(ch.User, ch.RequestID, ch.Add, ch.Remove)
	if err := b.c.validateCommands([]Command{cmd}); err != nil {
		return Result{}, err
	}
	p := &pending{ch: ch, cmd: cmd, key: strings.ToLower(cmd.User), enq: time.Now(), out: make(chan outcome, 1)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return Result{}, ErrBatcherClosed
	}
	b.queue = append(b.queue, p)
	b.mu.Unlock()
	b.signal()
	select {
	case o := <-p.out:
		return o.res, o.err
	case <-b.done:
		select {
		case o := <-p.out:
			return o.res, o.err
		default:
			return Result{}, ErrBatcherClosed
		}
	case <-ctx.Done():
		b.mu.Lock()
		p.gone = true
		b.mu.Unlock()
		e := newError(opAction, failure.FromContext(ctx, ctx.Err()))
		e.User, e.RequestID, e.Err = cmd.User, ch.RequestID, ctx.Err()
		if e.Reason == failure.ReasonTimeout {
			e.Waited = time.Since(p.enq)
		}
		return Result{}, e
	}
}

func (b *Batcher) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Run sends batches until ctx ends or Close is called, then fails or
// flushes what is left and returns once every call has finished.
func (b *Batcher) Run(ctx context.Context) error {
	b.mu.Lock()
	if b.running {
		b.mu.Unlock()
		return errors.New("adobe: batcher already running")
	}
	b.running = true
	b.mu.Unlock()
	defer close(b.done)
	defer b.sends.Wait()
	defer func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		b.failAll(ErrBatcherClosed)
	}()
	for {
		if ctx.Err() != nil {
			b.failAll(stopped(ctx))
			return nil
		}
		b.mu.Lock()
		n, oldest := b.ready()
		closed := b.closed
		b.mu.Unlock()
		if n == 0 {
			if closed {
				return nil
			}
			select {
			case <-b.wake:
				continue
			case <-ctx.Done():
				b.failAll(stopped(ctx))
				return nil
			}
		}
		if n < b.cfg.MaxCommands && !closed {
			if wait := time.Until(oldest.Add(b.cfg.Window)); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-b.wake:
				case <-t.C:
				case <-ctx.Done():
				}
				t.Stop()
				continue // recount: more may have come, or the window is over
			}
		}
		if err := b.c.acquire(ctx, opAction, kindAction); err != nil {
			if ctx.Err() != nil {
				b.failAll(err)
				return nil
			}
			// The next slot is too far away: hand every waiting change back
			// so its worker reschedules through the persistent queue.
			b.log.Info().Err(err).Msg("adobe batcher: no action slot soon enough")
			b.failAll(err)
			continue
		}
		b.mu.Lock()
		batch := b.take()
		b.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		b.sends.Add(1)
		go b.send(ctx, batch)
	}
}

// ready counts changes that could go now and finds the oldest. Caller holds mu.
func (b *Batcher) ready() (int, time.Time) {
	n := 0
	var oldest time.Time
	seen := map[string]bool{}
	live := b.queue[:0]
	for _, p := range b.queue {
		if p.gone {
			continue
		}
		live = append(live, p)
		if b.inflight[p.key] || seen[p.key] {
			continue
		}
		seen[p.key] = true
		if n == 0 || p.enq.Before(oldest) {
			oldest = p.enq
		}
		n++
	}
	clear(b.queue[len(live):])
	b.queue = live
	return n, oldest
}

// take removes up to MaxCommands changes for distinct users not in flight,
// all with the TestOnly of the first. Caller holds mu.
func (b *Batcher) take() []*pending {
	var batch []*pending
	var rest []*pending
	picked := map[string]bool{}
	for _, p := range b.queue {
		switch {
		case p.gone:
		case len(batch) < b.cfg.MaxCommands && !b.inflight[p.key] && !picked[p.key] &&
			(len(batch) == 0 || batch[0].ch.TestOnly == p.ch.TestOnly):
			picked[p.key] = true
			batch = append(batch, p)
		default:
			picked[p.key] = true // keep per-user order: later changes wait
			rest = append(rest, p)
		}
	}
	b.queue = rest
	for _, p := range batch {
		b.inflight[p.key] = true
	}
	return batch
}

func (b *Batcher) failAll(err error) {
	b.mu.Lock()
	q := b.queue
	b.queue = nil
	b.mu.Unlock()
	for _, p := range q {
		p.out <- outcome{err: err}
	}
}

func (b *Batcher) send(ctx context.Context, batch []*pending) {
	defer b.sends.Done()
	cmds := make([]Command, len(batch))
	for i, p := range batch {
		cmds[i] = p.cmd
	}
	testOnly := batch[0].ch.TestOnly
	r, err := b.c.action(ctx, cmds, testOnly, true)
	b.mu.Lock()
	for _, p := range batch {
		delete(b.inflight, p.key)
	}
	b.mu.Unlock()
	b.signal()
	for i, p := range batch {
		if err != nil {
			p.out <- outcome{err: err}
			continue
		}
		res, cerr := resultFor(r, i, p.ch)
		p.out <- outcome{res: res, err: cerr}
	}
	if err != nil {
		b.log.Debug().Err(err).Int("commands", len(batch)).Msg("adobe batch failed")
	}
}

// resultFor turns command i of r into the change's own outcome.
func resultFor(r *ActionResult, i int, ch UserChange) (Result, error) {
	res := Result{RequestID: ch.RequestID, TestOnly: r.TestOnly, Warnings: r.WarningsFor(i)}
	e := r.ErrorFor(i)
	if e == nil && r.Result == "error" {
		e = newError(opAction, failure.ReasonUnknown)
		e.Status, e.Code, e.User, e.RequestID = 200, "error", ch.User.Email, ch.RequestID
		e.Message = "Adobe reported the call failed without naming the command"
	}
	if e == nil {
		return res, nil
	}
	// Removing someone Adobe does not know leaves the desired state.
	if len(ch.Add) == 0 && isUnknownUser(e.Code) {
		res.Absent = true
		return res, nil
	}
	return res, e
}

// stopped is the failure of changes still queued when Run's context ends.
func stopped(ctx context.Context) *failure.Error {
	e := newError(opAction, failure.ReasonCanceled)
	e.Err = ctx.Err()
	return e
}

func isUnknownUser(code string) bool {
	switch code {
	case "error.user.nonexistent", "error.user.not_found", "error.user.not_in_org":
		return true
	}
	return false
}

// Close stops accepting changes, lets Run send what is queued, and waits
// for Run to return (if it is running).
func (b *Batcher) Close() {
	b.mu.Lock()
	b.closed = true
	running := b.running
	b.mu.Unlock()
	b.signal()
	if running {
		<-b.done
	}
}

// EnsureMember makes user a member of every profile, creating the account
// when user.Type is set. Already being a member is success.
func (b *Batcher) EnsureMember(ctx context.Context, user UserSpec, profiles []string, requestID string, testOnly bool) (Result, error) {
	if len(profiles) == 0 {
		return Result{}, fmt.Errorf("adobe: ensure member %s: no profiles", user.Email)
	}
	return b.Do(ctx, UserChange{User: user, Add: profiles, RequestID: requestID, TestOnly: testOnly})
}

// RemoveMember removes email from every profile. Not being a member, or
// not existing at all, is success.
func (b *Batcher) RemoveMember(ctx context.Context, email string, profiles []string, requestID string, testOnly bool) (Result, error) {
	if len(profiles) == 0 {
		return Result{}, fmt.Errorf("adobe: remove member %s: no profiles", email)
	}
	return b.Do(ctx, UserChange{User: UserSpec{Email: email}, Remove: profiles, RequestID: requestID, TestOnly: testOnly})
}
