package commands

import (
	"testing"
	"time"
)

func TestParseGroupTarget(t *testing.T) {
	for _, tc := range []struct {
		text, group, pkg, reason string
		dur                      time.Duration
	}{
		{`add group:"EMEA Chat Agents" agent 90d "new EMEA team"`, "EMEA Chat Agents", "agent", "new EMEA team", 90 * 24 * time.Hour},
		{`add group:Partners agent 30d covering`, "Partners", "agent", "covering", 30 * 24 * time.Hour},
		{`add GROUP:“EMEA Chat Agents” agent new team`, "EMEA Chat Agents", "agent", "new team", 0},
		{`remove group:"EMEA Chat Agents" agent left`, "EMEA Chat Agents", "agent", "left", 0},
	} {
		p, err := Parse(tc.text)
		if err != nil {
			t.Errorf("%s: %v", tc.text, err)
			continue
		}
		if p.User.Group != tc.group || p.Package != tc.pkg || p.Reason != tc.reason || p.Duration != tc.dur {
			t.Errorf("%s: %+v", tc.text, p)
		}
	}
}
