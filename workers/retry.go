package workers

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/failure"
)

// retryPlan decides what a failed step does next, from the one
// classification of vendor failures (failure.Classify):
//
//   - Permanent: the request fails now, with the failure's sentence.
//   - RateLimited: wait the vendor's delay; waiting is not failing, so
//     only MaxTotalTime ends it.
//   - Transient (5xx, timeouts, Redis trouble): back off, at most
//     MaxAttempts tries of the step.
//   - Unknown (an answer the vendor does not document): at most
//     failure.MaxUnknownAttempts tries, then the request fails with a
//     sentence that quotes the answer.
//
// It fills out's status, wait and detail, and returns the attempt number
// to record, the wait, and whether the step runs again.
func (e *Executor) retryPlan(r *approvals.Request, step string, out *outcome) (attempts int, wait time.Duration, retry bool) {
	class, delay := failure.Classify(out.err)
	attempts = 1
	if cur := r.Step(step); cur != nil {
		attempts = cur.Attempts + 1
	}
	limit := e.cfg.MaxAttempts
	switch class {
	case failure.Permanent:
		out.detail = humanError(out.err)
		out.key, out.args = failure.Sentence(out.err)
		return attempts, 0, false
	case failure.Unknown:
		limit = min(limit, failure.MaxUnknownAttempts)
	case failure.RateLimited:
		limit = 0
	}
	if limit > 0 && attempts >= limit {
		out.detail = fmt.Sprintf("%s (gave up after %d attempts).", sentenceBody(humanError(out.err)), attempts)
		out.key, out.args = "saga.gave_up_attempts", errorSentence(out.err).Nest("Cause", map[string]string{"Count": strconv.Itoa(attempts)})
		return attempts, 0, false
	}
	wait = retryWait(delay, attempts)
	out.status, out.wait = approvals.StepWaiting, wait
	next := e.clock.Now().Add(wait).UTC()
	out.detail = fmt.Sprintf("%s; next try %s.", sentenceBody(humanError(out.err)), next.Format("15:04"))
	out.key, out.args = "saga.next_try", errorSentence(out.err).Nest("Cause", map[string]string{"NextTime": next.Format(time.RFC3339)})
	return attempts, wait, true
}

// sentenceBody is s without its final full stop, so a note can follow.
func sentenceBody(s string) string { return strings.TrimRight(s, ". ") }

// humanError gives the sentence for people (failure.Human).
func humanError(err error) string { return failure.Human(err) }

// errorSentence is err's sentence for people with its message id and
// arguments (failure.Human, failure.Sentence).
func errorSentence(err error) approvals.Sentence {
	key, args := failure.Sentence(err)
	return approvals.Say(humanError(err), key, args)
}

// gaveUpSentence says the request ran out of time, and where it waited.
func gaveUpSentence(r *approvals.Request, limit time.Duration) approvals.Sentence {
	text := fmt.Sprintf("gave up after %s without finishing (%s)", limit, lastWaiting(r))
	args := map[string]string{"LimitDuration": limit.String(), "Step": "", "Detail": ""}
	for i := len(r.Steps) - 1; i >= 0; i-- {
		if st := r.Steps[i]; st.Status == approvals.StepWaiting {
			args["Step"] = st.Name
			approvals.Say(st.Detail, st.DetailKey, st.DetailArgs).Nest("Detail", args)
			return approvals.Say(text, "saga.gave_up_time.waiting", args)
		}
	}
	return approvals.Say(text, "saga.gave_up_time.nothing_waiting", args)
}

// permanentError is a failure the saga itself decided is final.
type permanentError struct{ msg string }

func (e *permanentError) Error() string { return e.msg }
func (e *permanentError) Human() string { return e.msg }

// saidError is a permanentError whose sentence has a message id and
// arguments (see failure.Sentence).
type saidError struct {
	permanentError
	key  string
	args map[string]string
}

// Sentence is the message id and arguments of the sentence.
func (e *saidError) Sentence() (string, map[string]string) { return e.key, e.args }

// permanent is a final failure saying text, with its message id and
// arguments.
func permanent(text, key string, args map[string]string) error {
	return &saidError{permanentError{text}, key, args}
}

// FailureClass makes the saga's own final failures Permanent for
// failure.Classify.
func (e *permanentError) FailureClass() failure.Class { return failure.Permanent }

var _ failure.Classed = (*permanentError)(nil)

// retryWait honours the vendor's delay (Retry-After, quota reset),
// spreading tasks that wait for the same limit: each consecutive wait
// widens a random extra delay (up to delay·2^5, never more than a
// minute), so hundreds of rescheduled tasks do not all come back for the
// same next slot. Without a delay it backs off exponentially with jitter
// from 5 s to 10 min.
func retryWait(delay time.Duration, attempt int) time.Duration {
	if delay > 0 {
		spread := min(delay<<min(attempt, 5), time.Minute)
		return delay + rand.N(spread+1)
	}
	return failure.Backoff(5*time.Second, 10*time.Minute, attempt)
}
