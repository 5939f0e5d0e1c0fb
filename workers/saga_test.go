package workers_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/internal/sandbox"
	"github.com/chataccess/chataccess/workers"
)

func TestAddAndRemoveHappyPath(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.start(5)
	id := r.approved(approvals.KindAdd, "alice@example.com", "agent", 0)
	req := r.waitState(id, 20*time.Second, approvals.StateCompleted, approvals.StateFailed)
	if req.State != approvals.StateCompleted {
		t.Fatalf("add ended %s: %s", req.State, req.Failure)
	}
	for _, name := range []string{workers.StepAdobe, workers.StepAdobeSync, workers.StepMarketo} {
		if st := req.Step(name); st == nil || st.Status != approvals.StepDone {
			t.Fatalf("step %s = %+v", name, st)
		}
	}
	if !slices.Contains(r.sb.Adobe.Members("Live Agent"), "alice@example.com") {
		t.Fatal("alice is not in Live Agent")
	}
	mid := r.marketoID("alice@example.com")
	if roles := r.sb.Marketo.Roles(mid); !slices.ContainsFunc(roles, func(a marketofakeAssignment) bool { return a.RoleID == r.sb.RoleID("DC Agent") }) {
		t.Fatalf("alice's Marketo roles %v lack DC Agent", roles)
	}
	if g, err := r.st.Grant(r.ctx, "alice@example.com", "agent"); err != nil || g.Until.Sub(g.Since) != 30*24*time.Hour {
		t.Fatalf("grant %+v %v", g, err)
	}

	rm, err := r.svc.Revoke(r.ctx, "alice@example.com", "agent", root, "left the team")
	if err != nil {
		t.Fatal(err)
	}
	req = r.waitState(rm.ID, 20*time.Second, approvals.StateCompleted, approvals.StateFailed)
	if req.State != approvals.StateCompleted {
		t.Fatalf("remove ended %s: %s", req.State, req.Failure)
	}
	if slices.Contains(r.sb.Adobe.Members("Live Agent"), "alice@example.com") {
		t.Fatal("alice is still in Live Agent")
	}
	if add, _ := r.st.Get(r.ctx, id); add.State != approvals.StateRevoked {
		t.Fatalf("add request is %s, want revoked", add.State)
	}
	ac := r.adobeChanges()
	mc := r.marketoChanges()
	role := r.sb.RoleID("DC Agent")
	if ac["add alice@example.com Live Agent"] != 1 || ac["remove alice@example.com Live Agent"] != 1 ||
		mc["add "+mid+" "+itoa(role)] != 1 || mc["remove "+mid+" "+itoa(role)] != 1 {
		t.Fatalf("applied changes: adobe %v marketo %v", ac, mc)
	}
}

func TestUserAppearsInMarketoLate(t *testing.T) {
	r := newRig(t, rigOptions{sandbox: sandbox.Options{UserLag: 1500 * time.Millisecond}})
	r.start(2)
	id := r.approved(approvals.KindAdd, "late@example.com", "agent", 0)
	sawWaiting := false
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := r.st.Get(r.ctx, id)
		if st := req.Step(workers.StepMarketo); st != nil && st.Status == approvals.StepWaiting {
			sawWaiting = strings.Contains(st.Detail, "appear in Marketo") && !st.NextCheck.IsZero()
		}
		if req.State.Terminal() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	req := r.waitState(id, time.Second, approvals.StateCompleted)
	if !sawWaiting {
		t.Fatal("the Marketo step never recorded that it was waiting for the user")
	}
	if st := req.Step(workers.StepMarketo); st.Status != approvals.StepDone {
		t.Fatalf("marketo step %+v", st)
	}
}

func TestUserWhoAlreadyHoldsTheProfile(t *testing.T) {
	r := newRig(t, rigOptions{})
	if err := r.sb.Adobe.AddUser(adobefake.UserSeed{Email: "held@example.com", Groups: []string{"Live Agent"}}); err != nil {
		t.Fatal(err)
	}
	r.sb.Marketo.SyncFromAdobe("held@example.com", "Held", "User")
	if _, ok := r.sb.Marketo.User("held@example.com"); !ok {
		t.Fatal("the synced user is not in Marketo (the sandbox has no user lag)")
	}
	r.start(2)
	id := r.approved(approvals.KindAdd, "held@example.com", "agent", 0)
	if req := r.waitState(id, 20*time.Second, approvals.StateCompleted, approvals.StateFailed); req.State != approvals.StateCompleted {
		t.Fatalf("ended %s: %s", req.State, req.Failure)
	}
	if n := r.adobeChanges()["add held@example.com Live Agent"]; n != 0 {
		t.Fatalf("an already-held profile was applied %d times", n)
	}
}

// TestRetryAfterReschedules: UMAPI answers 429 with Retry-After: 1800.
// The task goes back to the queue for about 30 minutes, the step ledger
// says when the next try is, and nothing sleeps.
func TestRetryAfterReschedules(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.sb.Adobe.ThrottleNext(adobefake.KindAction, 5, "1800")
	r.start(2)
	start := time.Now()
	id := r.approved(approvals.KindAdd, "bob@example.com", "agent", 0)
	var info *asynq.TaskInfo
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := r.st.Get(r.ctx, id)
		if req.State == approvals.StateExecuting {
			if ti, err := r.queue.Inspector().GetTaskInfo(r.queue.Name(), workers.ExecTaskID(req)); err == nil && ti.State == asynq.TaskStateRetry {
				info = ti
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if info == nil {
		t.Fatal("the execute task was not rescheduled")
	}
	// 1800 s plus at most a minute of spread (retryWait), plus the
	// second asynq rounds to.
	if wait := info.NextProcessAt.Sub(start); wait < 29*time.Minute || wait > 31*time.Minute+30*time.Second {
		t.Fatalf("rescheduled %s ahead, want 30m to 31m", wait)
	}
	req, _ := r.st.Get(r.ctx, id)
	st := req.Step(workers.StepAdobe)
	if st == nil || st.Status != approvals.StepWaiting || st.NextCheck.Sub(start) < 29*time.Minute {
		t.Fatalf("step ledger %+v", st)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("took %s: something slept", took)
	}
}

// TestPermanentErrorCompensatesAndAlerts: the Marketo role does not
// exist, so the add fails for good after the Admin Console step; the
// package says rollback, so the profile membership is undone.
func TestPermanentErrorCompensatesAndAlerts(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.start(2)
	id := r.approved(approvals.KindAdd, "carol@example.com", "broken", 0)
	req := r.waitState(id, 20*time.Second, approvals.StateFailed, approvals.StateCompleted)
	if req.State != approvals.StateFailed {
		t.Fatalf("state %s", req.State)
	}
	if !strings.Contains(req.Failure, `Marketo has no role named "No Such Role"`) || !strings.Contains(req.Failure, "rolled back") {
		t.Fatalf("failure sentence %q", req.Failure)
	}
	if st := req.Step(workers.StepAdobe); st == nil || st.Status != approvals.StepUndone {
		t.Fatalf("admin console step %+v", st)
	}
	if slices.Contains(r.sb.Adobe.Members("Marketing User"), "carol@example.com") {
		t.Fatal("rollback did not remove carol from Marketing User")
	}
	ac := r.adobeChanges()
	if ac["add carol@example.com Marketing User"] != 1 || ac["remove carol@example.com Marketing User"] != 1 {
		t.Fatalf("applied %v", ac)
	}
	// The alert follows the failed state; wait for it.
	alerts := r.rec.alertsWithin(5 * time.Second)
	if len(alerts) != 1 || !strings.Contains(alerts[0], id) || !strings.Contains(alerts[0], "No Such Role") {
		t.Fatalf("alerts %v", alerts)
	}
	if said := r.rec.sentences(); len(said) != 1 || said[0].Key != "saga.alert_failed" || said[0].Args["ID"] != id ||
		said[0].Args["WhyKey"] != "saga.failed_with_note" || said[0].Args["Why.NoteKey"] != "saga.note.rolled_back" {
		t.Fatalf("alert sentences %+v", said)
	}
	if _, err := r.st.Grant(r.ctx, "carol@example.com", "broken"); err == nil {
		t.Fatal("a failed request left a grant")
	}
}

func TestAlertPackageLeavesAccessAndSaysSo(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.start(2)
	id := r.approved(approvals.KindAdd, "dave@example.com", "alerty", 0)
	req := r.waitState(id, 20*time.Second, approvals.StateFailed, approvals.StateCompleted)
	if req.State != approvals.StateFailed || !strings.Contains(req.Failure, "left in place") {
		t.Fatalf("%s: %q", req.State, req.Failure)
	}
	if !slices.Contains(r.sb.Adobe.Members("Sales Admin"), "dave@example.com") {
		t.Fatal("alert package must leave the Admin Console change")
	}
}

func TestAdobePermanentErrorIsExplained(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.sb.Adobe.FailUser("erin@example.com", "error.domain.trust.nonexistent", "Domain is not claimed")
	r.start(2)
	id := r.approved(approvals.KindAdd, "erin@example.com", "agent", 0)
	req := r.waitState(id, 20*time.Second, approvals.StateFailed, approvals.StateCompleted)
	if req.State != approvals.StateFailed || !strings.Contains(strings.ToLower(req.Failure), "example.com") {
		t.Fatalf("%s: %q", req.State, req.Failure)
	}
	if len(r.adobeChanges()) != 0 || len(r.marketoChanges()) != 0 {
		t.Fatal("a refused add changed something")
	}
}

func TestSameTaskEnqueuedTwiceExecutesOnce(t *testing.T) {
	r := newRig(t, rigOptions{})
	id := r.approved(approvals.KindAdd, "frank@example.com", "agent", 0)
	req, _ := r.st.Get(r.ctx, id)
	for range 3 {
		if err := r.queue.EnqueueExecute(r.ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	q, err := r.queue.Inspector().GetQueueInfo(r.queue.Name())
	if err != nil || q.Pending != 1 {
		t.Fatalf("queue holds %d pending tasks (%v), want 1", q.Pending, err)
	}
	r.start(4)
	r.waitState(id, 20*time.Second, approvals.StateCompleted)
	task := workers.ExecTaskID(req)
	r.waitTaskSucceeded(task, 20*time.Second) // the first run has left the queue
	ran := r.processedTotal()
	// Enqueued again after it finished: the task runs and changes nothing.
	if err := r.queue.EnqueueExecute(r.ctx, req); err != nil {
		t.Fatal(err)
	}
	r.waitTaskSucceeded(task, 20*time.Second)
	if r.processedTotal() <= ran {
		t.Fatal("the task enqueued again never ran")
	}
	if n := r.adobeChanges()["add frank@example.com Live Agent"]; n != 1 {
		t.Fatalf("applied %d times", n)
	}
	if got, _ := r.st.Get(r.ctx, id); got.Executions != 1 || got.State != approvals.StateCompleted {
		t.Fatalf("executions %d state %s", got.Executions, got.State)
	}
}

// waitTaskSucceeded waits until the queue has run task id and dropped
// it. Execute tasks are not retained, so a task that is gone ran to
// success; one that failed stays in retry or archived.
func (r *rig) waitTaskSucceeded(id string, timeout time.Duration) {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		info, err := r.queue.Inspector().GetTaskInfo(r.queue.Name(), id)
		switch {
		case errors.Is(err, asynq.ErrTaskNotFound):
			return
		case err != nil:
			r.t.Fatalf("task %s: %v", id, err)
		case info.State == asynq.TaskStateRetry || info.State == asynq.TaskStateArchived:
			r.t.Fatalf("task %s is %s: %s", id, info.State, info.LastErr)
		case time.Now().After(deadline):
			r.t.Fatalf("task %s is still %s after %s", id, info.State, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processedTotal counts the tasks the queue has run, failed ones included.
func (r *rig) processedTotal() int {
	r.t.Helper()
	q, err := r.queue.Inspector().GetQueueInfo(r.queue.Name())
	if err != nil {
		r.t.Fatal(err)
	}
	return q.ProcessedTotal
}

func TestExpiryRemovesAccessAndWarnsFirst(t *testing.T) {
	r := newRig(t, rigOptions{warnBefore: 1500 * time.Millisecond})
	r.start(4)
	id := r.approved(approvals.KindAdd, "gina@example.com", "short", 3*time.Second)
	add := r.waitState(id, 20*time.Second, approvals.StateCompleted)
	if !add.GrantedUntil.Equal(add.GrantedAt.Add(3 * time.Second)) {
		t.Fatalf("granted %v until %v", add.GrantedAt, add.GrantedUntil)
	}
	r.waitState(id, 30*time.Second, approvals.StateRevoked)
	if slices.Contains(r.sb.Adobe.Members("Marketing Admin"), "gina@example.com") {
		t.Fatal("expired access still in the Admin Console")
	}
	_, warnings := r.rec.snapshot()
	if len(warnings) != 1 || warnings[0].RequestID != id {
		t.Fatalf("warnings %+v", warnings)
	}
	var reason, removal string
	_ = r.st.AuditEntries(r.ctx, func(e storeEntry) error {
		if e.Action == string(approvals.EventSubmit) || e.Action == string(approvals.EventApprove) {
			if strings.Contains(e.Details, "access expired") {
				reason, removal = e.Details, e.RequestID
			}
		}
		return nil
	})
	if reason == "" {
		t.Fatal("the audit trail does not say the removal was an expiry")
	}
	// The reason is kept with its message id, so chat shows it in each
	// reader's language.
	rm, err := r.st.Get(r.ctx, removal)
	if err != nil {
		t.Fatal(err)
	}
	if why, ok := rm.SystemReason(); !ok || why.Key != "reason.expired" || why.Args["ID"] != id ||
		why.Args["SinceDate"] == "" || why.Args["UntilDateTime"] == "" {
		t.Fatalf("removal reason %q %q %v, want reason.expired", rm.Reason, rm.ReasonKey, rm.ReasonArgs)
	}
}

func TestReconcilerRequeuesLostWork(t *testing.T) {
	r := newRig(t, rigOptions{})
	id := r.approved(approvals.KindAdd, "hal@example.com", "agent", 0)
	// No dispatcher ran: the approval's enqueue was "lost".
	rc := workers.NewReconciler(r.st, r.queue, approvals.ClockFunc(time.Now), time.Hour)
	n, err := rc.Once(r.ctx)
	if err != nil || n != 1 {
		t.Fatalf("reconcile: %d %v", n, err)
	}
	if n, _ := rc.Once(r.ctx); n != 0 {
		t.Fatalf("second pass re-enqueued %d", n)
	}
	r.serve(2, false)
	r.waitState(id, 20*time.Second, approvals.StateCompleted)
}

func TestDryRunChangesNothing(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.start(2)
	id := r.approved(approvals.KindAdd, "ivy@example.com", "dry", 0)
	req := r.waitState(id, 20*time.Second, approvals.StateCompleted, approvals.StateFailed)
	if req.State != approvals.StateCompleted || !req.DryRun {
		t.Fatalf("%s dry=%v %s", req.State, req.DryRun, req.Failure)
	}
	if len(r.adobeChanges()) != 0 || len(r.marketoChanges()) != 0 {
		t.Fatalf("dry run changed: %v %v", r.adobeChanges(), r.marketoChanges())
	}
	testOnly := false
	for _, rq := range r.sb.Adobe.Requests() {
		if rq.Kind == adobefake.KindAction && strings.Contains(rq.Query, "testOnly=true") {
			testOnly = true
		}
	}
	if !testOnly {
		t.Fatal("no testOnly action call was sent")
	}
	if st := req.Step(workers.StepMarketo); st.Status != approvals.StepSkipped || !strings.Contains(st.Detail, "dry run") {
		t.Fatalf("marketo step %+v", st)
	}
}
