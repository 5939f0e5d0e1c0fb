package config

import (
	"net"
	"strings"
	"time"
)

// Operations settings: the audit key, the audit checkpoints and the
// optional operations listener.
const (
	// MinAuditKeyLength is the shortest AUDIT_KEY accepted: 32
	// characters, e.g. `openssl rand -hex 32` (64).
	MinAuditKeyLength = 32
	// DefaultCheckpointInterval is how often the audit chain's head is
	// checkpointed to the log and the admin channel when it moved.
	DefaultCheckpointInterval = time.Hour
)

// AuditConfig is the audit trail section of the policy file. The key is
// never in the file: it comes from AUDIT_KEY or AUDIT_KEY_FILE.
type AuditConfig struct {
	// CheckpointInterval: how often the chain's head is checkpointed
	// (when it moved). Default 1h, between 1m and 1w.
	CheckpointInterval string `yaml:"checkpoint_interval"`
}

// AuditSettings are the typed audit knobs.
type AuditSettings struct {
	CheckpointInterval time.Duration
}

// checkAuditKey refuses a short audit key. The message never holds the
// key or its length.
func checkAuditKey(ps *problems, k Secret) {
	if k.IsSet() && len(k.Reveal()) < MinAuditKeyLength {
		ps.add(EnvAuditKey, "is shorter than %d characters; use a random key such as the output of `openssl rand -hex 32`", MinAuditKeyLength)
	}
}

// ops checks the operations settings and applies their defaults.
func (r *problems) ops(c *Config, s *Settings) {
	s.Audit.CheckpointInterval = r.durationIn("audit.checkpoint_interval", c.Audit.CheckpointInterval,
		DefaultCheckpointInterval, time.Minute, 7*24*time.Hour)

	s.OpsListen = strings.TrimSpace(c.Server.OpsListen)
	if s.OpsListen == "" {
		return
	}
	if _, port, err := net.SplitHostPort(s.OpsListen); err != nil || !validPort(port) {
		r.add("server.ops_listen", "%s is not host:port (e.g. :9090 or 127.0.0.1:9090)", quote(truncate(c.Server.OpsListen, 60)))
		return
	}
	if sameAddress(s.OpsListen, s.Listen) {
		r.add("server.ops_listen", "%s is server.listen too; leave ops_listen out to serve /metrics, /healthz and /readyz on the main listener", quote(s.OpsListen))
	}
}

// sameAddress reports whether two host:port listen addresses are one
// (":8080" and "0.0.0.0:8080" are).
func sameAddress(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil || pa != pb || pa == "0" {
		return false
	}
	wildcard := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return ha == hb || wildcard(ha) || wildcard(hb)
}
