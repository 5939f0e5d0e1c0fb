package workers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/integrations/adobe/adobefake"
	"github.com/chataccess/chataccess/internal/logging/logtest"
)

// TestLogLinesRepeatNoKey runs an add through the worker server at debug
// level, with one Adobe read throttled so the client retries it, and
// decodes every line logged: the task's logger carries component=workers
// and the queue's attempt, so the saga under it and the Adobe and
// Marketo clients logging through the saga's context must each use keys
// of their own (subcomponent, vendor, call_attempt).
func TestLogLinesRepeatNoKey(t *testing.T) {
	r := newRig(t, rigOptions{})
	var buf logtest.Buffer
	r.handler.Logger = zerolog.New(&buf).Level(zerolog.DebugLevel)
	r.sb.Adobe.ThrottleNext(adobefake.KindGroups, 1, "1")
	r.start(2)
	id := r.approved(approvals.KindAdd, "carol@example.com", "agent", 0)
	req := r.waitState(id, 30*time.Second, approvals.StateCompleted, approvals.StateFailed)
	if req.State != approvals.StateCompleted {
		t.Fatalf("add ended %s: %s", req.State, req.Failure)
	}
	if n := logtest.CheckLines(t, buf.String()); n == 0 || !strings.Contains(buf.String(), `"adobe call retry"`) {
		t.Fatalf("the retry under the task's logger was not logged; the check proves little:\n%s", buf.String())
	}
}
