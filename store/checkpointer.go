package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
)

// DefaultCheckpointInterval is how often the head of the audit chain is
// checkpointed when it moved.
const DefaultCheckpointInterval = time.Hour

// AdminPoster posts one line of text where the admins read it (the admin
// channel). commands.Handler's AlertAdmins fits.
type AdminPoster interface {
	AlertAdmins(ctx context.Context, text string) error
}

// sentencePoster is the optional part of an AdminPoster that posts a
// sentence with its message id, in the language of each admin channel
// (commands.Handler's AlertAdminsSentence).
type sentencePoster interface {
	AlertAdminsSentence(ctx context.Context, s approvals.Sentence) error
}

// alertAdmins posts s through p, as a sentence when p can.
func alertAdmins(ctx context.Context, p AdminPoster, s approvals.Sentence) error {
	if sp, ok := p.(sentencePoster); ok {
		return sp.AlertAdminsSentence(ctx, s)
	}
	return p.AlertAdmins(ctx, s.Text)
}

// CheckpointConfig configures a Checkpointer.
type CheckpointConfig struct {
	// Interval between checkpoints; DefaultCheckpointInterval when zero.
	Interval time.Duration
	// Poster receives each checkpoint; nil means the log only.
	Poster AdminPoster
	// Holder names this replica in the slot claim.
	Holder string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives the checkpoint lines (component audit).
	Logger zerolog.Logger
}

// Checkpointer writes a checkpoint of the audit chain's head to the log
// and the admin channel every interval in which the chain moved. Every
// replica runs one; a claim in Redis lets one of them write each slot.
type Checkpointer struct {
	st  *Store
	cfg CheckpointConfig
	log zerolog.Logger
}

// NewCheckpointer returns the store's checkpointer.
func (s *Store) NewCheckpointer(cfg CheckpointConfig) *Checkpointer {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultCheckpointInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Checkpointer{st: s, cfg: cfg, log: logging.WithComponent(cfg.Logger, "audit")}
}

// Run checks the key against the chain, then checkpoints every interval
// until ctx ends. Without a key it says so once and waits.
func (c *Checkpointer) Run(ctx context.Context) error {
	c.checkKey(ctx)
	if !c.st.audit.IsSet() {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(c.cfg.Interval)
	defer t.Stop()
	for {
		if _, _, err := c.Once(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn().Err(err).Msg("audit checkpoint failed; trying again next interval")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// checkKey logs what an operator must fix about the audit key: none set,
// or one that differs from the key of the newest entry.
func (c *Checkpointer) checkKey(ctx context.Context) {
	_, newest, err := c.st.AuditHead(ctx)
	if err != nil {
		c.log.Warn().Err(err).Msg("cannot read the audit chain's head")
		return
	}
	switch k := c.st.audit; {
	case !k.IsSet() && newest.Keyed():
		c.log.Error().Str("audit_key_id", newest.KeyID).
			Msg("the audit chain is keyed but AUDIT_KEY is not set: entries this replica writes are unkeyed and `chataccess audit verify` will report them as rewritten; set AUDIT_KEY or AUDIT_KEY_FILE")
	case !k.IsSet():
		c.log.Warn().Msg("AUDIT_KEY is not set: audit entries are chained with SHA-256 only (anyone who can write to Redis can rewrite them) and no checkpoints are written")
	case newest.Keyed() && newest.KeyID != k.ID():
		c.log.Error().Str("audit_key_id", k.ID()).Str("chain_key_id", newest.KeyID).
			Msg("AUDIT_KEY differs from the key of the newest audit entry: `chataccess audit verify` will fail from the first entry this replica writes; give every replica the same AUDIT_KEY")
	}
}

// Once writes a checkpoint if this replica wins the current slot and the
// chain moved since the last checkpoint. It returns the checkpoint and
// whether it was written.
func (c *Checkpointer) Once(ctx context.Context) (Checkpoint, bool, error) {
	now := c.cfg.Now()
	slot := now.Truncate(c.cfg.Interval).Unix()
	won, err := c.st.Claim(ctx, "audit-checkpoint@"+strconv.FormatInt(slot, 10), c.cfg.Holder, c.cfg.Interval)
	if err != nil || !won {
		return Checkpoint{}, false, err
	}
	cp, err := c.st.AuditCheckpoint(ctx, now)
	if err != nil || cp.Count == 0 {
		return Checkpoint{}, false, err
	}
	last, err := c.st.lastCheckpoint(ctx)
	if err != nil {
		return Checkpoint{}, false, err
	}
	if last.Count == cp.Count && last.Head == cp.Head && last.KeyID == cp.KeyID {
		return cp, false, nil
	}
	line := cp.String()
	c.log.Info().Int64("audit_entries", cp.Count).Str("audit_head", cp.Head).Str("checkpoint", line).
		Msg("audit checkpoint")
	var errs []error
	if c.cfg.Poster != nil {
		text := "audit checkpoint, " + strconv.FormatInt(cp.Count, 10) + " entries. Keep it: `chataccess audit verify --checkpoint` finds a trail cut short or wiped with it.\n" + line
		s := approvals.Say(text, "alert.audit_checkpoint", map[string]string{"Count": strconv.FormatInt(cp.Count, 10), "Line": line})
		if err := alertAdmins(ctx, c.cfg.Poster, s); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, c.st.rememberCheckpoint(ctx, cp))
	return cp, true, errors.Join(errs...)
}
