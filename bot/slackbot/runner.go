package slackbot

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot/postack"
)

// Runner runs post-ack work (the After of handler replies, App Home
// publishing, message updates): the shared post-ack runner, under the
// name the adapter's callers use.
type Runner = postack.Runner

// NewRunner returns a runner of at most workers concurrent tasks, each
// limited to timeout, counting dropped work in
// chataccess_slack_after_dropped_total. base should be cancelled only
// after Wait returned or the shutdown grace period ended.
func NewRunner(base context.Context, workers int, timeout time.Duration, log zerolog.Logger, m *Metrics) *Runner {
	return postack.New(base, postack.Config{Workers: workers, Timeout: timeout, Dropped: m.dropped, Logger: log})
}
