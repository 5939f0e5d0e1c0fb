package marketo

import (
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
)

func TestUntilQuotaReset(t *testing.T) {
	tests := []struct {
		name string
		now  string // RFC 3339
		want time.Duration
	}{
		{"winter noon UTC (06:00 CST)", "2026-01-15T12:00:00Z", 18 * time.Hour},
		{"summer noon UTC (07:00 CDT)", "2026-07-15T12:00:00Z", 17 * time.Hour},
		{"one second before winter midnight", "2026-01-16T05:59:59Z", time.Second},
		{"exactly winter midnight waits a day", "2026-01-16T06:00:00Z", 24 * time.Hour},
		{"spring forward day is 23 h", "2026-03-08T06:00:00Z", 23 * time.Hour},
		{"evening before spring forward", "2026-03-07T23:00:00-06:00", time.Hour},
		{"fall back day is 25 h", "2026-11-01T05:00:00Z", 25 * time.Hour},
		{"after fall back, 23:30 CST", "2026-11-01T23:30:00-06:00", 30 * time.Minute},
		{"in the repeated hour", "2026-11-01T01:30:00-06:00", 22*time.Hour + 30*time.Minute},
		{"new year", "2026-12-31T23:59:00-06:00", time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now, err := time.Parse(time.RFC3339, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if got := UntilQuotaReset(now); got != tt.want {
				t.Fatalf("UntilQuotaReset(%s) = %s, want %s (reset %s)", tt.now, got, tt.want, NextQuotaReset(now))
			}
		})
	}
}

func TestQuotaErrorDelay(t *testing.T) {
	now := time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)
	e := classifyT("add role", 200, "607", "Daily quota reached", nil, now)
	if e.Reason != failure.ReasonQuota || !e.Retryable() || e.Delay() != 17*time.Hour {
		t.Fatalf("607: %+v delay %s", e, e.Delay())
	}
}
