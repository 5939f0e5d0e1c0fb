package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/workers"
)

// Provisioning counts what the provisioning saga does: it is the
// workers.Observer.
//
//   - chataccess_provisioning_steps_total{system,kind,result}: step runs
//     (attempts) by system (adobe, marketo), request kind (add, remove)
//     and result: succeeded, skipped, waiting (for Adobe's sync or the
//     user to appear in Marketo), retried (failed, runs again later),
//     failed (for good).
//   - chataccess_provisioning_step_errors_total{system,reason}: failed
//     step runs, retried or not, by failure reason.
//   - chataccess_provisioning_executions_total{kind,outcome}: executions
//     that reached completed or failed.
//   - chataccess_provisioning_execution_duration_seconds{kind,outcome}:
//     from the start of an execution to its outcome, waits included.
type Provisioning struct {
	steps      *prometheus.CounterVec
	stepErrors *prometheus.CounterVec
	executions *prometheus.CounterVec
	duration   *prometheus.HistogramVec
}

var _ workers.Observer = (*Provisioning)(nil)

func newProvisioning() *Provisioning {
	p := &Provisioning{
		steps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_provisioning_steps_total",
			Help: "Provisioning step runs by system (adobe, marketo), request kind and result (succeeded, skipped, waiting, retried, failed).",
		}, []string{"system", "kind", "result"}),
		stepErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_provisioning_step_errors_total",
			Help: "Provisioning step runs that failed (retried or for good), by system and failure reason.",
		}, []string{"system", "reason"}),
		executions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chataccess_provisioning_executions_total",
			Help: "Provisioning executions that reached an outcome, by request kind and outcome (completed, failed).",
		}, []string{"kind", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "chataccess_provisioning_execution_duration_seconds",
			Help:    "Time from the start of a provisioning execution to its outcome, waits for Adobe and Marketo included.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800},
		}, []string{"kind", "outcome"}),
	}
	results := []workers.StepResult{workers.StepSucceeded, workers.StepSkippedRun, workers.StepWaitingRun, workers.StepRetried, workers.StepFailedRun}
	for _, kind := range []approvals.Kind{approvals.KindAdd, approvals.KindRemove} {
		for _, system := range []string{workers.SystemAdobe, workers.SystemMarketo} {
			for _, r := range results {
				p.steps.WithLabelValues(system, string(kind), string(r))
			}
		}
		for _, o := range []approvals.State{approvals.StateCompleted, approvals.StateFailed} {
			p.executions.WithLabelValues(string(kind), string(o))
		}
	}
	return p
}

func (p *Provisioning) register(reg prometheus.Registerer) {
	reg.MustRegister(p.steps, p.stepErrors, p.executions, p.duration)
}

// StepEnded counts a step run.
func (p *Provisioning) StepEnded(r workers.StepReport) {
	system := token(r.System)
	p.steps.WithLabelValues(system, token(string(r.Kind)), token(string(r.Result))).Inc()
	if r.Result == workers.StepRetried || r.Result == workers.StepFailedRun {
		p.stepErrors.WithLabelValues(system, reasonLabel(r.Reason)).Inc()
	}
}

// ExecutionEnded counts an execution's outcome and its duration.
func (p *Provisioning) ExecutionEnded(kind approvals.Kind, outcome approvals.State, took time.Duration) {
	k, o := token(string(kind)), token(string(outcome))
	p.executions.WithLabelValues(k, o).Inc()
	p.duration.WithLabelValues(k, o).Observe(took.Seconds())
}
