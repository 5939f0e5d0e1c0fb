package config_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/config"
)

func TestOpsSettings(t *testing.T) {
	cfg, err := config.Parse([]byte(minimal), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Settings(); s.OpsListen != "" || s.Audit.CheckpointInterval != time.Hour {
		t.Fatalf("defaults: ops_listen %q, checkpoint_interval %s", s.OpsListen, s.Audit.CheckpointInterval)
	}
	cfg, err = config.Parse([]byte(minimal+"server: {listen: ':8080', ops_listen: '127.0.0.1:9090'}\naudit: {checkpoint_interval: 15m}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Settings(); s.OpsListen != "127.0.0.1:9090" || s.Audit.CheckpointInterval != 15*time.Minute {
		t.Fatalf("settings: ops_listen %q, checkpoint_interval %s", s.OpsListen, s.Audit.CheckpointInterval)
	}
}

func TestBadOpsSettings(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []problem
	}{
		{"ops listener is not host:port", "server: {ops_listen: '9090'}\n",
			[]problem{{"server.ops_listen", `"9090" is not host:port (e.g. :9090 or 127.0.0.1:9090)`}}},
		{"ops listener is the main listener", "server: {listen: ':8080', ops_listen: '0.0.0.0:8080'}\n",
			[]problem{{"server.ops_listen", `"0.0.0.0:8080" is server.listen too; leave ops_listen out to serve /metrics, /healthz and /readyz on the main listener`}}},
		{"checkpoints too often", "audit: {checkpoint_interval: 10s}\n",
			[]problem{{"audit.checkpoint_interval", "is 10s; must be between 1m and 1w"}}},
		{"unknown audit key", "audit: {key: abc}\n",
			[]problem{{"audit.key", `unknown key "key"`}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse([]byte(minimal+tc.yaml), nil)
			var verr *config.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("error %v is not a *ValidationError", err)
			}
			if !slices.Equal(verr.Problems, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", render(verr.Problems), render(tc.want))
			}
		})
	}
}

// TestAuditKeyFromEnv: AUDIT_KEY or AUDIT_KEY_FILE, never both, at
// least 32 characters, and never printed.
func TestAuditKeyFromEnv(t *testing.T) {
	const key = "k3y-0123456789abcdef0123456789abcdef"
	env, err := config.LoadEnv(envOf(map[string]string{"AUDIT_KEY_FILE": writeFile(t, "audit", key+"\n")}))
	if err != nil || env.AuditKey.Reveal() != key {
		t.Fatalf("from file: %v", err)
	}
	if got := fmtv(env); strings.Contains(got, key) {
		t.Fatalf("the key prints: %s", got)
	}
	for name, vars := range map[string]map[string]string{
		"short": {"AUDIT_KEY": "too-short"},
		"both":  {"AUDIT_KEY": key, "AUDIT_KEY_FILE": writeFile(t, "audit2", key)},
	} {
		_, err := config.LoadEnv(envOf(vars))
		var verr *config.ValidationError
		if !errors.As(err, &verr) || len(verr.Problems) != 1 || verr.Problems[0].Path != "AUDIT_KEY" {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.Contains(err.Error(), "too-short") || strings.Contains(err.Error(), key) {
			t.Errorf("%s: the message holds the key: %v", name, err)
		}
	}
}
