package logging

import (
	"io"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Field names (style habit 10). Use these, never ad-hoc spellings.
const (
	RequestID = "request_id"
	Requester = "requester"
	Approver  = "approver"
	Package   = "package"
	Platform  = "platform"
	TaskID    = "task_id"
	Attempt   = "attempt"
	Component = "component"
)

// New returns a logger writing JSON lines to w, or human-readable lines
// when console is true (a terminal). level is one of zerolog's level
// names; an unknown or empty level means info.
func New(w io.Writer, console bool, level string) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(strings.ToLower(strings.TrimSpace(level)))
	if err != nil || level == "" {
		lvl = zerolog.InfoLevel
	}
	if console {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	// Every part logs from its own goroutines; serialise the writes.
	return zerolog.New(zerolog.SyncWriter(w)).Level(lvl).With().Timestamp().Logger()
}
