package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
)

// DefaultLedgerCheckInterval is how often a replica compares the
// ledger's identity with the one it knows.
const DefaultLedgerCheckInterval = 10 * time.Second

// ErrLedgerLost says the ledger a replica knew vanished and no admin has
// acknowledged it yet: new requests wait, and the replica is not ready.
var ErrLedgerLost = errors.New("the ledger was lost")

// LedgerWatchConfig configures a LedgerWatch.
type LedgerWatchConfig struct {
	// Interval between checks; DefaultLedgerCheckInterval when zero.
	Interval time.Duration
	// Poster is told once per loss; nil means the log only.
	Poster AdminPoster
	// Holder names this replica in the record of a loss.
	Holder string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives the ledger lines (component ledger).
	Logger zerolog.Logger
}

// LedgerWatch keeps one replica's view of the ledger's identity. It
// checks Redis at start, every interval, before every new request and
// on every click (Accepting, Owns) and for /readyz (Ready). The replica
// that first sees a loss records it, logs an error and alerts the
// admins; from then on every replica refuses new requests and reports
// not ready until an admin acknowledges the loss (AckIdentity).
type LedgerWatch struct {
	st  *Store
	cfg LedgerWatchConfig
	log zerolog.Logger

	mu     sync.Mutex
	cur    Identity // the identity last seen; zero before the first check
	failed bool     // the last check failed (logged once per streak)
}

// NewLedgerWatch returns the store's ledger watch.
func (s *Store) NewLedgerWatch(cfg LedgerWatchConfig) *LedgerWatch {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultLedgerCheckInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &LedgerWatch{st: s, cfg: cfg, log: logging.WithComponent(cfg.Logger, "ledger")}
}

// Run checks now and every interval until ctx ends.
func (w *LedgerWatch) Run(ctx context.Context) error {
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		_, err := w.Check(ctx)
		w.mu.Lock()
		first := err != nil && !w.failed
		w.failed = err != nil
		w.mu.Unlock()
		if first && ctx.Err() == nil {
			w.log.Warn().Err(err).Msg("cannot check the ledger's identity; trying again")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Check compares the ledger's identity in Redis with the one this
// replica knows and returns the one in Redis, logging (and telling the
// admins of) what changed.
func (w *LedgerWatch) Check(ctx context.Context) (Identity, error) {
	w.mu.Lock()
	known := w.cur.ID
	w.mu.Unlock()
	id, outcome, err := w.st.EnsureIdentity(ctx, known, w.cfg.Holder, w.cfg.Now())
	if err != nil {
		return Identity{}, err
	}
	w.mu.Lock()
	w.cur = id
	w.mu.Unlock()
	switch outcome {
	case IdentityCreated:
		w.log.Warn().Str("ledger", id.ID).Msg("Redis holds no ledger under this prefix: started a new, empty one. " +
			"On a first start that is expected; otherwise Redis lost its data while no replica ran (see the operations guide)")
	case IdentityAdopted:
		w.log.Info().Str("ledger", id.ID).Msg("the ledger had no identity yet; it has one now")
	case IdentityLost:
		w.lost(ctx, id)
	case IdentityReplaced:
		w.log.Error().Str("ledger", id.ID).Str("lost_ledger", known).Msg("the ledger this replica knew is gone; another replica reported it")
	}
	return id, nil
}

// alertTimeout bounds the admin alert of a loss. The alert is sent
// apart from the check that found the loss, which may be a slash
// command's with a 2.5 s budget.
const alertTimeout = 30 * time.Second

// lost reports a loss this replica recorded: an error line and one
// admin alert.
func (w *LedgerWatch) lost(ctx context.Context, id Identity) {
	w.log.Error().Str("ledger", id.ID).Str("lost_ledger", id.LostFrom).
		Msg("the ledger vanished: Redis came back without it (restarted without persistence, or failed over to an empty replica). " +
			"New requests are refused until an admin runs `chataccess admin ack-ledger`")
	if w.cfg.Poster == nil {
		return
	}
	text := fmt.Sprintf("the ledger vanished from Redis (it was %s, now %s): every request, grant and audit entry before %s is gone from the bot's view, "+
		"and request ids start again at DC-1001. Buttons of older cards are refused. New requests are refused until an admin "+
		"runs `chataccess admin ack-ledger`. See the operations guide (Backups and restores) before that.",
		id.LostFrom, id.ID, id.LostAt.Format(time.RFC3339))
	s := approvals.Say(text, "alert.ledger_lost", map[string]string{"Was": id.LostFrom, "Now": id.ID, "LostTime": id.LostAt.Format(time.RFC3339)})
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), alertTimeout)
		defer cancel()
		if err := alertAdmins(ctx, w.cfg.Poster, s); err != nil {
			w.log.Error().Err(err).Msg("could not alert admins of the lost ledger")
		}
	}()
}

// Ready returns nil when the ledger is the one this replica knows (or
// it adopted the replacement) and no loss waits for an admin.
func (w *LedgerWatch) Ready(ctx context.Context) error {
	id, err := w.Check(ctx)
	if err != nil {
		return err
	}
	if id.Unacknowledged() {
		return fmt.Errorf("%w: ledger %s vanished at %s and ledger %s replaced it; not acknowledged (chataccess admin ack-ledger)",
			ErrLedgerLost, id.LostFrom, id.LostAt.Format(time.RFC3339), id.ID)
	}
	return nil
}

// Accepting returns ErrLedgerLost (wrapped) while new requests must
// wait for an admin. When Redis cannot be read it returns nil: the
// request itself then fails, saying so.
func (w *LedgerWatch) Accepting(ctx context.Context) error {
	if err := w.Ready(ctx); errors.Is(err, ErrLedgerLost) {
		return err
	}
	return nil
}

// Tag is the identity request buttons carry: the one this replica saw
// last ("" before the first check).
func (w *LedgerWatch) Tag() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur.ID
}

// Owns reports whether a button's identity tag names this ledger. A
// button without one ("") was drawn before buttons carried it: it names
// this ledger only when the identity was adopted over an existing
// ledger. When Redis cannot be read the identity seen last decides.
func (w *LedgerWatch) Owns(ctx context.Context, tag string) bool {
	id, err := w.Check(ctx)
	if err != nil {
		w.mu.Lock()
		id = w.cur
		w.mu.Unlock()
	}
	if tag == "" {
		return id.Adopted
	}
	return tag == id.ID
}
