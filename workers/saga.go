package workers

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/internal/logging"
)

// lockTTL bounds how long a dead worker's lock on a request blocks a
// different run; a run of the same task takes it over at once.
const lockTTL = 2 * time.Minute

// Step names in the request's step ledger.
const (
	StepAdobe     = "admin_console"
	StepAdobeSync = "admin_console_sync"
	StepMarketo   = "marketo"
)

// SagaConfig caps and paces the saga.
type SagaConfig struct {
	// MaxAttempts caps transient failures of one step.
	MaxAttempts int
	// MaxTotalTime caps one execution from start to outcome.
	MaxTotalTime time.Duration
	// SyncCheck is how often the Admin Console membership is re-read
	// while Adobe syncs; SyncTimeout is when waiting gives up (Adobe says
	// a new user can take up to 2 hours).
	SyncCheck   time.Duration
	SyncTimeout time.Duration
	// UserPoll is the first wait for a user to appear in Marketo; it
	// doubles up to UserPollMax; UserPollTimeout gives up.
	UserPoll        time.Duration
	UserPollMax     time.Duration
	UserPollTimeout time.Duration
	// ConfirmMembership reads the user back after the Admin Console add.
	ConfirmMembership bool
	// RoleCheckEvery is how often the group pass checks that the members
	// of a granted user group still have the Marketo role (a Marketo
	// read per member, so not every pass).
	RoleCheckEvery time.Duration
}

func (c SagaConfig) withDefaults() SagaConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	def(&c.MaxTotalTime, 24*time.Hour)
	def(&c.SyncCheck, 2*time.Minute)
	def(&c.SyncTimeout, 150*time.Minute)
	def(&c.UserPoll, time.Minute)
	def(&c.UserPollMax, 15*time.Minute)
	def(&c.UserPollTimeout, 3*time.Hour)
	def(&c.RoleCheckEvery, 24*time.Hour)
	return c
}

// Executor runs the provisioning saga of one request.
type Executor struct {
	svc    *approvals.Service
	ledger Ledger
	adobe  AdminConsole
	mkto   Marketo
	mktoBy map[string]Marketo // by instance; see WithMarketo
	obs    Observer           // see WithObserver
	alert  Alerter
	clock  approvals.Clock
	cfg    SagaConfig
	holder string
}

// NewExecutor returns an executor. alert may be nil.
func NewExecutor(svc *approvals.Service, ledger Ledger, adobe AdminConsole, mkto Marketo, alert Alerter, clock approvals.Clock, cfg SagaConfig) *Executor {
	return &Executor{
		svc: svc, ledger: ledger, adobe: adobe, mkto: mkto, alert: alert, clock: clock,
		cfg: cfg.withDefaults(), holder: fmt.Sprintf("w%x", rand.Uint64()),
	}
}

// WaitError asks the queue to run the task again after After. It is not
// a failure: the saga is waiting for a vendor (Retry-After, a user not
// yet synced) and has recorded why in the step ledger.
type WaitError struct {
	After time.Duration
	Why   string
}

func (e *WaitError) Error() string {
	return fmt.Sprintf("waiting %s: %s", e.After.Round(time.Second), e.Why)
}

// outcome is what one step reports.
type outcome struct {
	status approvals.StepStatus
	detail string
	// key and args are detail's message id and arguments (see
	// approvals.Sentence).
	key  string
	args map[string]string
	wait time.Duration // for waiting
	err  error         // for failed: the cause
}

// Execute runs (or resumes) the request's saga. It returns nil when the
// request reached an outcome (completed or failed) or already had one,
// and a *WaitError when the task should run again later.
//
// holder identifies this run for the per-request lock: the queue passes
// the task id, so a task re-run after its worker died takes over its own
// lock at once, while any other run of the same request waits.
func (e *Executor) Execute(ctx context.Context, id, holder string) error {
	log := zerolog.Ctx(ctx).With().Str(logging.RequestID, id).Str(logging.Subcomponent, "saga").Logger()
	ctx = log.WithContext(ctx)
	if holder == "" {
		holder = e.holder
	}
	unlock, ok, err := e.ledger.TryLock(ctx, "exec:"+id, holder, lockTTL)
	if err != nil {
		return err
	}
	if !ok {
		return &WaitError{After: 5 * time.Second, Why: "another worker is running this request"}
	}
	defer unlock()

	r, err := e.ledger.Get(ctx, id)
	if err != nil {
		return err
	}
	switch r.State {
	case approvals.StateApproved:
		if r, err = e.svc.StartExecution(ctx, id); err != nil {
			return err
		}
	case approvals.StateExecuting:
		log.Info().Msg("resuming execution")
	default:
		log.Debug().Str("state", string(r.State)).Msg("nothing to do")
		return nil
	}
	pkg, err := e.svc.Policy().Package(r.Package)
	if err != nil {
		return e.finishFailed(ctx, r, nil, approvals.Say("the package "+r.Package+" is no longer in the policy file", "saga.package_gone", map[string]string{"Package": r.Package}))
	}
	if now := e.clock.Now(); !r.StartedAt.IsZero() && now.Sub(r.StartedAt) > e.cfg.MaxTotalTime {
		return e.finishFailed(ctx, r, pkg, gaveUpSentence(r, e.cfg.MaxTotalTime))
	}
	for _, st := range e.plan(r, pkg) {
		if cur := r.Step(st.name); cur != nil && (cur.Status == approvals.StepDone || cur.Status == approvals.StepSkipped) {
			continue
		}
		out := st.run(ctx, r, pkg)
		switch out.status {
		case approvals.StepDone, approvals.StepSkipped:
			if r, err = e.progress(ctx, r, st.name, out, 0); err != nil {
				return err
			}
		case approvals.StepWaiting:
			if _, err = e.progress(ctx, r, st.name, out, 0); err != nil {
				return err
			}
			return &WaitError{After: out.wait, Why: out.detail}
		case approvals.StepFailed:
			if released(ctx, out.err) {
				log.Info().Str(logging.Step, st.name).Msg("worker stopping; task released for another run")
				return releaseError()
			}
			if attempts, wait, retry := e.retryPlan(r, st.name, &out); retry {
				if _, err = e.progress(ctx, r, st.name, out, attempts); err != nil {
					return err
				}
				log.Debug().Err(out.err).Int(logging.StepAttempt, attempts).Dur(logging.RetryIn, wait).Str(logging.Step, st.name).Msg("step will be retried")
				return &WaitError{After: wait, Why: out.detail}
			}
			if r, err = e.progress(ctx, r, st.name, out, 0); err != nil {
				return err
			}
			return e.finishFailed(ctx, r, pkg, approvals.Say(out.detail, out.key, out.args))
		}
	}
	if _, err := e.svc.Complete(ctx, id); err != nil {
		return err
	}
	e.observeEnd(r, approvals.StateCompleted)
	log.Info().Str(logging.Package, r.Package).Str("kind", string(r.Kind)).Msg("request completed")
	return nil
}

// progress records a step outcome in the request's step ledger.
func (e *Executor) progress(ctx context.Context, r *approvals.Request, name string, out outcome, attempts int) (*approvals.Request, error) {
	e.observeStep(r, name, out, attempts)
	st := approvals.Step{Name: name, Status: out.status, Detail: out.detail, DetailKey: out.key, DetailArgs: out.args, Attempts: attempts}
	if out.status == approvals.StepWaiting {
		st.NextCheck = e.clock.Now().Add(out.wait).UTC()
		if cur := r.Step(name); cur != nil && attempts == 0 {
			st.Attempts = cur.Attempts
		}
	}
	return e.svc.Progress(ctx, r.ID, st)
}

// finishFailed compensates per the package setting, fails the request
// with a sentence a person understands, and alerts the admins.
func (e *Executor) finishFailed(ctx context.Context, r *approvals.Request, pkg *approvals.Package, why approvals.Sentence) error {
	note := e.compensate(ctx, r, pkg)
	say := why
	if note.Text != "" {
		say = approvals.Say(why.Text+" "+note.Text, "saga.failed_with_note", note.Nest("Note", why.Nest("Why", nil)))
	}
	msg := say.Text
	if _, err := e.svc.FailWith(ctx, r.ID, say); err != nil {
		return err
	}
	e.observeEnd(r, approvals.StateFailed)
	zerolog.Ctx(ctx).Error().Str(logging.Package, r.Package).Str(logging.Reason, msg).Msg("request failed")
	if e.alert != nil {
		text := fmt.Sprintf("%s (%s %s for %s) failed: %s", r.ID, r.Kind, r.Package, r.Target.Email, msg)
		var err error
		if sa, ok := e.alert.(SentenceAlerter); ok {
			err = sa.AlertAdminsSentence(ctx, approvals.Say(text, "saga.alert_failed", say.Nest("Why", map[string]string{
				"ID": r.ID, "Kind": string(r.Kind), "Package": r.Package, "User": r.Target.Email})))
		} else {
			err = e.alert.AlertAdmins(ctx, text)
		}
		if err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Msg("could not alert admins")
		}
	}
	return nil
}

// compensate undoes the Admin Console add of an add request whose
// Marketo step failed for good, when the package says rollback. A
// removal is never rolled back: restoring access is worse than a
// half-removed user, so the admins are told instead.
func (e *Executor) compensate(ctx context.Context, r *approvals.Request, pkg *approvals.Package) approvals.Sentence {
	added := r.Step(StepAdobe)
	if r.Kind != approvals.KindAdd || added == nil || added.Status != approvals.StepDone || pkg == nil {
		if r.Kind == approvals.KindRemove && marketoDone(r) {
			return approvals.Say("The Marketo role was already removed; the Admin Console profile still needs an admin.", "saga.note.half_removed", nil)
		}
		return approvals.Sentence{}
	}
	if pkg.OnPartialFailure != approvals.CompensateRollback {
		return approvals.Say("The Admin Console access was left in place (package setting: alert); an admin must decide.", "saga.note.left_in_place", nil)
	}
	err := e.adobe.RemoveFromProfiles(ctx, r.Target.Email, profileNames(pkg), r.ID+"/rollback", r.DryRun)
	if err != nil {
		zerolog.Ctx(ctx).Error().Err(err).Msg("rollback of the Admin Console add failed")
		return approvals.Say("Rolling back the Admin Console add also failed ("+humanError(err)+"); an admin must remove it.",
			"saga.note.rollback_failed", errorSentence(err).Nest("Cause", nil))
	}
	if _, err := e.svc.Progress(ctx, r.ID, approvals.Step{Name: StepAdobe, Status: approvals.StepUndone, Detail: "rolled back after a later step failed", DetailKey: "saga.rolled_back"}); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("could not record the rollback")
	}
	return approvals.Say("The Admin Console add was rolled back.", "saga.note.rolled_back", nil)
}

func profileNames(pkg *approvals.Package) []string {
	out := make([]string, len(pkg.Profiles))
	for i, p := range pkg.Profiles {
		out[i] = p.Name
	}
	return out
}

func lastWaiting(r *approvals.Request) string {
	for i := len(r.Steps) - 1; i >= 0; i-- {
		if r.Steps[i].Status == approvals.StepWaiting {
			return r.Steps[i].Name + ": " + r.Steps[i].Detail
		}
	}
	return "no step was waiting"
}

// sagaStep is one step of the plan.
type sagaStep struct {
	name string
	run  func(ctx context.Context, r *approvals.Request, pkg *approvals.Package) outcome
}

// plan lists the steps in order: adds go Admin Console first (Marketo
// only knows users after that), removals Marketo first (take the role
// before the profile, so no moment has a role without its profile).
// Each subscription of the package has its own Marketo step.
func (e *Executor) plan(r *approvals.Request, pkg *approvals.Package) []sagaStep {
	if r.Target.IsGroup() {
		return e.groupPlan(r, pkg)
	}
	if r.Kind == approvals.KindRemove {
		return append(e.marketoSteps(pkg, false), sagaStep{StepAdobe, e.adobeRemove})
	}
	return append([]sagaStep{{StepAdobe, e.adobeAdd}, {StepAdobeSync, e.adobeConfirm}}, e.marketoSteps(pkg, true)...)
}

func done(detail string) outcome    { return outcome{status: approvals.StepDone, detail: detail} }
func skipped(detail string) outcome { return outcome{status: approvals.StepSkipped, detail: detail} }
func failed(err error) outcome      { return outcome{status: approvals.StepFailed, err: err} }
func waiting(d time.Duration, detail string) outcome {
	return outcome{status: approvals.StepWaiting, detail: detail, wait: d}
}

// say gives the outcome's detail its message id and arguments.
func (o outcome) say(key string, args map[string]string) outcome {
	o.key, o.args = key, args
	return o
}

func (e *Executor) adobeAdd(ctx context.Context, r *approvals.Request, pkg *approvals.Package) outcome {
	u := NewUser{Email: r.Target.Email, FirstName: r.Target.FirstName, LastName: r.Target.LastName, Identity: pkg.Identity}
	if u.FirstName == "" || u.LastName == "" {
		// Adobe requires both names to create an Enterprise or Federated
		// ID (umapi-doc ActionsCmds: createEnterpriseID, createFederatedID).
		// With ignoreIfAlreadyExists they only matter for new users.
		u.FirstName, u.LastName = NamesFromEmail(u.Email, u.FirstName, u.LastName)
	}
	profiles := pkg.AdminConsoleProfiles()
	if err := e.seatsLeft(ctx, r, pkg); err != nil {
		return failed(err)
	}
	if err := e.adobe.AddToProfiles(ctx, u, profiles, r.ID+"/"+StepAdobe, r.DryRun); err != nil {
		return failed(err)
	}
	if r.DryRun {
		return done("dry run: Adobe accepted adding to "+strings.Join(profiles, ", ")+" (testOnly, nothing changed)").
			say("saga.dry_run_added", map[string]string{"Profiles": strings.Join(profiles, ", ")})
	}
	return done("added to "+strings.Join(profiles, ", ")).say("saga.added", map[string]string{"Profiles": strings.Join(profiles, ", ")})
}

func (e *Executor) adobeConfirm(ctx context.Context, r *approvals.Request, pkg *approvals.Package) outcome {
	if r.DryRun || !e.cfg.ConfirmMembership {
		return skipped("not confirmed (dry run or confirmation off)").say("saga.not_confirmed", nil)
	}
	since := r.StartedAt
	if st := r.Step(StepAdobe); st != nil {
		since = st.At
	}
	missing, err := e.adobe.Missing(ctx, r.Target.Email, pkg.AdminConsoleProfiles(), since)
	if err != nil {
		return failed(err)
	}
	if len(missing) == 0 {
		return done("membership confirmed").say("saga.confirmed", nil)
	}
	if e.clock.Now().Sub(since) > e.cfg.SyncTimeout {
		return failed(permanent(fmt.Sprintf("Adobe accepted the change but %s never appeared in %s", r.Target.Email, strings.Join(missing, ", ")),
			"saga.never_synced", map[string]string{"User": r.Target.Email, "Profiles": strings.Join(missing, ", ")}))
	}
	return waiting(e.cfg.SyncCheck, "waiting for Adobe to sync "+strings.Join(missing, ", ")).
		say("saga.waiting_sync", map[string]string{"Profiles": strings.Join(missing, ", ")})
}

func (e *Executor) adobeRemove(ctx context.Context, r *approvals.Request, pkg *approvals.Package) outcome {
	profiles := profileNames(pkg)
	if pkg.RemoveFromAllProfiles {
		all, err := e.adobe.DynamicChatProfiles(ctx)
		if err != nil {
			return failed(err)
		}
		profiles = all
	}
	if err := e.adobe.RemoveFromProfiles(ctx, r.Target.Email, profiles, r.ID+"/"+StepAdobe, r.DryRun); err != nil {
		return failed(err)
	}
	return done("removed from "+strings.Join(profiles, ", ")).say("saga.removed", map[string]string{"Profiles": strings.Join(profiles, ", ")})
}

// NamesFromEmail fills missing first and last names from the email's
// local part: "alice.smith@" gives Alice / Smith, "alice@" gives Alice /
// Alice. Names already known are kept.
func NamesFromEmail(email, first, last string) (string, string) {
	local, _, _ := strings.Cut(email, "@")
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' })
	for i, p := range parts {
		parts[i] = strings.ToUpper(p[:1]) + p[1:]
	}
	if len(parts) == 0 {
		parts = []string{"User"}
	}
	if first == "" {
		first = parts[0]
	}
	if last == "" {
		last = parts[len(parts)-1]
		if len(parts) > 2 {
			last = strings.Join(parts[1:], " ")
		}
	}
	return first, last
}
