package workers_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/workers"
)

// TestSlowAdobeReleasesTheWorker: the Admin Console answers an action
// only after 3 s while the client's deadline is 700 ms. The task returns
// within the deadline (plus the batch window), the timed-out call is not
// sent again inside the task, and the step ledger (which the card shows)
// says what the worker waited for. The next run finds the change Adobe
// made anyway and completes the step.
func TestSlowAdobeReleasesTheWorker(t *testing.T) {
	const deadline = 700 * time.Millisecond
	r := newRig(t, rigOptions{adobeTimeout: deadline})
	r.sb.Adobe.SlowNext(adobefake.KindAction, 1, 3*time.Second)
	id := r.approved(approvals.KindAdd, "slow.sam@example.com", "agent", 0)

	start := time.Now()
	err := r.exec.Execute(r.ctx, id, "task-1")
	held := time.Since(start)
	var wait *workers.WaitError
	if !errors.As(err, &wait) {
		t.Fatalf("Execute = %v, want a *WaitError", err)
	}
	if held > deadline+time.Second {
		t.Fatalf("the worker was held %s, past the %s deadline", held, deadline)
	}
	if n := r.sb.Adobe.Calls(adobefake.KindAction); n != 1 {
		t.Fatalf("%d action calls in one task, want 1 (no retry of a timed-out call inside the task)", n)
	}
	req, _ := r.st.Get(r.ctx, id)
	st := req.Step(workers.StepAdobe)
	if st == nil || st.Status != approvals.StepWaiting || st.Attempts != 1 {
		t.Fatalf("step %+v", st)
	}
	t.Logf("worker held %s; step says: %s", held, st.Detail)
	for _, want := range []string{"Adobe did not answer within 1 second", "changing product profiles for slow.sam@example.com", "next try"} {
		if !strings.Contains(st.Detail, want) {
			t.Errorf("step detail %q lacks %q", st.Detail, want)
		}
	}

	// Adobe finished the slow call after all; the rerun is idempotent.
	waitFor(t, 5*time.Second, func() bool { return slices.Contains(r.sb.Adobe.Members("Live Agent"), "slow.sam@example.com") })
	_ = r.exec.Execute(r.ctx, id, "task-1")
	req, _ = r.st.Get(r.ctx, id)
	if st := req.Step(workers.StepAdobe); st == nil || st.Status != approvals.StepDone {
		t.Fatalf("after the rerun the step is %+v", st)
	}
	if n := r.adobeChanges()["add slow.sam@example.com Live Agent"]; n != 1 {
		t.Fatalf("the profile was added %d times", n)
	}
}

// TestUnknownAdobeAnswerIsTriedABoundedNumberOfTimes: an undocumented
// internal error gets failure.MaxUnknownAttempts tries, then the request
// fails with a sentence that quotes the answer.
func TestUnknownAdobeAnswerIsTriedABoundedNumberOfTimes(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.sb.Adobe.FailUser("odd.olga@example.com", "error.internal.add", "Operation failed for unknown reason")
	id := r.approved(approvals.KindAdd, "odd.olga@example.com", "agent", 0)
	for run := 1; run <= failure.MaxUnknownAttempts; run++ {
		err := r.exec.Execute(r.ctx, id, "task-1")
		req, _ := r.st.Get(r.ctx, id)
		if run < failure.MaxUnknownAttempts {
			var wait *workers.WaitError
			if !errors.As(err, &wait) || req.State != approvals.StateExecuting {
				t.Fatalf("run %d: %v, state %s", run, err, req.State)
			}
			continue
		}
		if err != nil || req.State != approvals.StateFailed {
			t.Fatalf("run %d: %v, state %s", run, err, req.State)
		}
		t.Logf("failure: %s", req.Failure)
		for _, want := range []string{"does not recognise (error.internal.add: Operation failed for unknown reason)",
			"gave up after 3 attempts"} {
			if !strings.Contains(req.Failure, want) {
				t.Errorf("failure %q lacks %q", req.Failure, want)
			}
		}
	}
	if n := r.sb.Adobe.Calls(adobefake.KindAction); n != failure.MaxUnknownAttempts {
		t.Errorf("%d action calls, want %d", n, failure.MaxUnknownAttempts)
	}
}

// TestDirectoryNotSetUpFailsAtOnce: a Federated ID add in a domain whose
// directory is not set up answers error.internal.create_failed. That is
// a setup problem, not an outage: the request fails on the first answer
// with a sentence that says what to check, instead of retrying for half
// an hour as "Adobe unavailable".
func TestDirectoryNotSetUpFailsAtOnce(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.sb.Adobe.SetDomain("partner.example.com", adobefake.DomainIncomplete)
	id := r.approved(approvals.KindAdd, "new.nina@partner.example.com", "agent", 0)
	if err := r.exec.Execute(r.ctx, id, "task-1"); err != nil {
		t.Fatalf("Execute = %v, want the request to end", err)
	}
	req, _ := r.st.Get(r.ctx, id)
	if req.State != approvals.StateFailed {
		t.Fatalf("state %s (steps %+v)", req.State, req.Steps)
	}
	t.Logf("failure: %s", req.Failure)
	for _, want := range []string{"could not create the account for new.nina@partner.example.com", "partner.example.com", "Settings > Identity"} {
		if !strings.Contains(req.Failure, want) {
			t.Errorf("failure %q lacks %q", req.Failure, want)
		}
	}
	if strings.Contains(req.Failure, "not answering") || r.sb.Adobe.Calls(adobefake.KindAction) != 1 {
		t.Errorf("read as an outage: %q after %d calls", req.Failure, r.sb.Adobe.Calls(adobefake.KindAction))
	}
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("condition not met within %s", d)
		}
	}
}
