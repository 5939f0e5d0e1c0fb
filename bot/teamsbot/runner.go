package teamsbot

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot/postack"
)

// NewRunner returns the runner of the adapter's post-ack work (the
// After of handler replies, card updates, the Home message): at most
// workers concurrent tasks, each limited to timeout, counting dropped
// work in chataccess_teams_after_dropped_total. base should be
// cancelled only after Wait returned or the shutdown grace period ended.
func NewRunner(base context.Context, workers int, timeout time.Duration, log zerolog.Logger, m *Metrics) *postack.Runner {
	return postack.New(base, postack.Config{Workers: workers, Timeout: timeout, Dropped: m.dropped, Logger: log})
}
