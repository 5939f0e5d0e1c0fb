package commands

import (
	"context"
	"errors"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/internal/logging"
)

// SweeperConfig tunes the sweeper.
type SweeperConfig struct {
	// Interval between sweeps (default 1 minute).
	Interval time.Duration
	// Limit bounds the pending requests looked at per sweep (default 1000).
	Limit int
}

// Sweeper expires pending requests whose approval window is over and
// reminds approvers of requests that wait. Every replica may run one:
// Expire and Remind are compare-and-swap guarded, so each request
// expires once and each reminder goes out once per interval (the
// replicas that lose get ErrNotAllowed or a closed request and say
// nothing). The notifier tells the requester about expiries.
type Sweeper struct {
	h   *Handler
	cfg SweeperConfig
	log zerolog.Logger
}

// NewSweeper returns a sweeper acting through h.
func NewSweeper(h *Handler, cfg SweeperConfig) *Sweeper {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.Limit <= 0 {
		cfg.Limit = 1000
	}
	return &Sweeper{h: h, cfg: cfg, log: logging.WithSubcomponent(h.log, "sweeper")}
}

// Run sweeps every interval until ctx ends; it returns nil on
// cancellation.
func (s *Sweeper) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := s.Sweep(ctx, s.h.deps.Clock.Now()); err != nil && ctx.Err() == nil {
			s.log.Error().Err(err).Msg("sweep")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// SweepResult counts what one sweep did.
type SweepResult struct {
	Expired  int
	Reminded int
}

// Sweep looks at pending requests once, as of now.
func (s *Sweeper) Sweep(ctx context.Context, now time.Time) (SweepResult, error) {
	var res SweepResult
	reqs, err := s.h.ledger.List(ctx, approvals.ByState(approvals.StatePending), s.cfg.Limit)
	if err != nil {
		return res, errorf("sweep: list pending", err)
	}
	var errs []error
	for _, r := range reqs {
		if r.State != approvals.StatePending {
			continue
		}
		if !now.Before(r.Deadline) {
			_, err := s.h.svc.Expire(ctx, r.ID)
			switch {
			case err == nil:
				res.Expired++
			case lostRace(err):
			default:
				errs = append(errs, err)
			}
			continue
		}
		pkg, err := s.h.svc.Policy().Package(r.Package)
		if err != nil || pkg.ReminderInterval <= 0 {
			continue
		}
		last := r.RemindedAt
		if last.IsZero() {
			last = r.CreatedAt
		}
		if now.Sub(last) < pkg.ReminderInterval {
			continue
		}
		next, err := s.h.svc.Remind(ctx, r.ID, pkg.ReminderInterval)
		switch {
		case err == nil:
			res.Reminded++
			if err := s.remind(ctx, next, pkg); err != nil {
				errs = append(errs, err)
			}
		case lostRace(err):
		default:
			errs = append(errs, err)
		}
	}
	return res, errors.Join(errs...)
}

// lostRace says another replica or person got there first.
func lostRace(err error) bool {
	return errors.Is(err, approvals.ErrNotAllowed) || errors.Is(err, approvals.ErrRequestClosed)
}

// remind DMs the approvers who have not decided and replies in the
// thread of the channel card. Only the replica whose Remind won calls
// it. Failures are reported but the reminder is not sent again until
// the next interval.
func (s *Sweeper) remind(ctx context.Context, r *approvals.Request, pkg *approvals.Package) error {
	h := s.h
	need := max(pkg.MinApprovals, 1) - r.Approvals()
	reminder := func(l *i18n.Lang) bot.Text {
		return l.N("reminder.text", need, i18n.M{"ID": bot.Code(r.ID), "What": what(l, r), "Requester": actorText(l, r.Requester),
			"Deadline": at(l, r.Deadline, h.deps.Location, true)})
	}
	var errs []error
	refs, err := h.ledger.MessageRefs(ctx, r.ID)
	if err != nil {
		return err
	}
	for _, c := range refs {
		if c.Kind == refCard && c.User == "" {
			_, err := h.on(c.Platform).Reply(ctx, chatRef(c), bot.Message{Text: reminder(h.refLang(ctx, c, r.Package))})
			errs = append(errs, err)
		}
	}
	if pkg.DMApprovers {
		ids, err := h.approverIDs(ctx, pkg, r)
		errs = append(errs, err)
		for _, id := range ids {
			if hasRef(refs, refSkipped+refCard, id.Platform, "", id.ID) {
				continue // refused for good before; admins were told
			}
			l := h.userLang(ctx, id.Platform, id.ID, r.Package)
			m := Card(r, pkg, CardOptions{Location: h.deps.Location, Ledger: h.tag(), Lang: l})
			m.Text = reminder(l)
			m.Blocks = append([]bot.Block{&bot.Section{Text: m.Text}}, m.Blocks...)
			ref, err := h.on(id.Platform).DM(ctx, id.ID, m)
			switch {
			case err == nil:
				// The reminder is a card copy too: keep it up to date.
				errs = append(errs, h.ledger.AddMessageRef(ctx, r.ID, storedRef(id.Platform, ref, refCard, id.ID)))
			case !retryable(err):
				s.log.Warn().Err(err).Str(logging.RequestID, r.ID).Str(logging.User, id.ID).Msg("reminder refused for good; skipped")
			default:
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
