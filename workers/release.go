package workers

import (
	"context"
	"errors"
	"time"

	"github.com/chataccess/chataccess/integrations/adobe"
)

// releaseWait is how soon a released task may run again (on another
// worker, or this one after a restart).
const releaseWait = time.Second

// released reports whether a step failed only because this worker is
// stopping: the task's context ended (the queue's shutdown grace period
// passed) or the Adobe batcher closed under it. Such a step is not a
// failure of the request; the task goes back to the queue and its saga
// resumes where the step ledger says, every step being idempotent.
func released(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, adobe.ErrBatcherClosed)
}

// releaseError is the task's answer when it was released: a wait, so
// the queue counts no failed attempt.
func releaseError() error {
	return &WaitError{After: releaseWait, Why: "released: the worker is stopping"}
}
