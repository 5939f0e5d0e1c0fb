package postack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot/postack"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/bot/teamsbot"
)

// TestAdaptersCountDrops: each chat adapter's runner counts the work a
// full queue drops under the adapter's own metric.
func TestAdaptersCountDrops(t *testing.T) {
	for _, tc := range []struct {
		metric string
		runner func(reg prometheus.Registerer) *postack.Runner
	}{
		{"chataccess_slack_after_dropped_total", func(reg prometheus.Registerer) *postack.Runner {
			return slackbot.NewRunner(context.Background(), 1, time.Second, zerolog.Nop(), slackbot.NewMetrics(reg))
		}},
		{"chataccess_teams_after_dropped_total", func(reg prometheus.Registerer) *postack.Runner {
			return teamsbot.NewRunner(context.Background(), 1, time.Second, zerolog.Nop(), teamsbot.NewMetrics(reg))
		}},
	} {
		t.Run(tc.metric, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			r := tc.runner(reg)
			release := make(chan struct{})
			for !r.Busy() {
				r.Go(func(context.Context) { <-release })
			}
			if r.Go(func(context.Context) {}) {
				t.Fatal("a full runner accepted work")
			}
			close(release)
			_ = r.Wait(context.Background())
			want := "# HELP " + tc.metric + " Post-ack work dropped because the runner queue was full.\n# TYPE " + tc.metric + " counter\n" + tc.metric + " 1\n"
			if err := testutil.GatherAndCompare(reg, strings.NewReader(want), tc.metric); err != nil {
				t.Fatal(err)
			}
		})
	}
}
