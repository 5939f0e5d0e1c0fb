package slackbot

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Readiness of the Slack side, for /readyz: in Socket Mode the
// connection is up; in HTTP mode auth.test passed. auth.test answers are
// kept for authFresh, so probes from every replica cost a call a minute
// at most (auth.test is a Tier 4 method, 100+ a minute). A failure that
// may pass (Slack unreachable, 5xx) keeps a recent success for authGrace
// and is asked again after authRetry; a refused token is not ready at
// once.
const (
	authFresh = time.Minute
	authGrace = 10 * time.Minute
	authRetry = 10 * time.Second
)

// ErrNotConnected says the Socket Mode connection is not up.
var ErrNotConnected = errors.New("slack socket mode is not connected")

// authState remembers the last auth.test answers.
type authState struct {
	mu     sync.Mutex
	okAt   time.Time // last success
	failAt time.Time // last failure
	err    error     // last failure
}

// Ready returns nil when Slack is reachable the way this adapter
// receives work: Socket Mode connected, or (HTTP mode) the bot token
// passed auth.test within the last minute.
func (a *Adapter) Ready(ctx context.Context) error {
	if a.Socket != nil {
		if !a.Socket.connected.Load() {
			return ErrNotConnected
		}
		return nil
	}
	return a.auth.ready(ctx, a.Sender, time.Now())
}

func (st *authState) ready(ctx context.Context, s *Sender, now time.Time) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case !st.okAt.IsZero() && now.Sub(st.okAt) < authFresh:
		return nil
	case st.err != nil && now.Sub(st.failAt) < authRetry:
		return st.verdict(now)
	}
	_, err := s.AuthTest(ctx)
	if err == nil {
		st.okAt, st.err = now, nil
		return nil
	}
	st.failAt, st.err = now, err
	return st.verdict(now)
}

// verdict is the last failure, unless it may pass and a success is
// recent enough.
func (st *authState) verdict(now time.Time) error {
	if classOf(st.err) != ClassPermanent && !st.okAt.IsZero() && now.Sub(st.okAt) < authGrace {
		return nil
	}
	return st.err
}
