package workers

import (
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/failure"
)

// Observer hears what the provisioning saga does, for metrics. Methods
// run on the worker's goroutine, so they must be quick and safe for
// concurrent use. Nothing in a report names a person or a request.
type Observer interface {
	// StepEnded reports one run of a step and what came of it.
	StepEnded(StepReport)
	// ExecutionEnded reports an execution that reached its outcome
	// (approvals.StateCompleted or approvals.StateFailed), took after it
	// started (for a request retried by an admin: after the retry).
	ExecutionEnded(kind approvals.Kind, outcome approvals.State, took time.Duration)
}

// StepReport is one run of one saga step.
type StepReport struct {
	// System is the vendor the step changes: SystemAdobe or SystemMarketo.
	System string
	// Step is the step's name: StepAdobe, StepAdobeSync or a Marketo step.
	Step   string
	Kind   approvals.Kind
	Result StepResult
	// Reason is the failure.Reason of a retried or failed step ("" when
	// the failure carried none).
	Reason failure.Reason
}

// Systems a step changes.
const (
	SystemAdobe   = "adobe"
	SystemMarketo = "marketo"
)

// StepResult is what one run of a step came to.
type StepResult string

// Step results.
const (
	// StepSucceeded: the change is made (or there was nothing to change).
	StepSucceeded StepResult = "succeeded"
	// StepSkippedRun: a dry run, or nothing to remove.
	StepSkippedRun StepResult = "skipped"
	// StepWaitingRun: waiting for the vendor (Adobe's sync, the user to
	// appear in Marketo); not a failure.
	StepWaitingRun StepResult = "waiting"
	// StepRetried: the step failed and runs again later.
	StepRetried StepResult = "retried"
	// StepFailedRun: the step failed for good; the request fails.
	StepFailedRun StepResult = "failed"
)

// WithObserver reports every step run and execution outcome to o. Call
// it before the executor runs.
func (e *Executor) WithObserver(o Observer) *Executor {
	e.obs = o
	return e
}

// observeStep reports the outcome of a step as progress records it: a
// waiting outcome with attempts is a failed step the saga retries.
func (e *Executor) observeStep(r *approvals.Request, name string, out outcome, attempts int) {
	if e.obs == nil {
		return
	}
	rep := StepReport{System: SystemAdobe, Step: name, Kind: r.Kind}
	if strings.HasPrefix(name, StepMarketo) {
		rep.System = SystemMarketo
	}
	switch {
	case out.status == approvals.StepDone:
		rep.Result = StepSucceeded
	case out.status == approvals.StepSkipped:
		rep.Result = StepSkippedRun
	case out.status == approvals.StepWaiting && attempts == 0:
		rep.Result = StepWaitingRun
	case out.status == approvals.StepWaiting:
		rep.Result, rep.Reason = StepRetried, failure.ReasonOf(out.err)
	default:
		rep.Result, rep.Reason = StepFailedRun, failure.ReasonOf(out.err)
	}
	e.obs.StepEnded(rep)
}

// observeEnd reports an execution that reached outcome.
func (e *Executor) observeEnd(r *approvals.Request, outcome approvals.State) {
	if e.obs == nil {
		return
	}
	var took time.Duration
	if !r.StartedAt.IsZero() {
		took = max(e.clock.Now().Sub(r.StartedAt), 0)
	}
	e.obs.ExecutionEnded(r.Kind, outcome, took)
}
