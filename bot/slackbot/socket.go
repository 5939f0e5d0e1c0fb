package slackbot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack/socketmode"

	"github.com/chataccess/chataccess/internal/logging"
)

// Socket receives Slack requests over Socket Mode (used when
// SLACK_APP_TOKEN is set): the bot dials out, so no public URL or
// signature check is needed. Each envelope is handled on its own
// goroutine (at most 64 at once) and acknowledged with the same body
// the HTTP endpoints would answer.
type Socket struct {
	client *socketmode.Client
	d      *Dispatcher
	sem    chan struct{}
	// inflight tracks envelope goroutines, so Run returns only after
	// each one acknowledged (or gave up).
	inflight sync.WaitGroup
	// connected is true while the WebSocket is up (Adapter.Ready).
	connected atomic.Bool
}

// envelopeTimeout bounds one envelope's handling and acknowledgement
// (Slack waits 3 s for the ack).
const envelopeTimeout = 10 * time.Second

// NewSocket returns a Socket Mode receiver. sender must have been
// created with an AppToken.
func NewSocket(sender *Sender, d *Dispatcher) *Socket {
	return &Socket{client: socketmode.New(sender.API()), d: d, sem: make(chan struct{}, 64)}
}

// Run connects and serves until ctx ends. slack-go reconnects on its
// own (backoff capped at 5 minutes). It returns after the connection
// goroutine ended and every envelope being handled was acknowledged.
func (s *Socket) Run(ctx context.Context) error {
	// The connection outlives ctx until the envelopes being handled
	// were acknowledged over it.
	conn, hangUp := context.WithCancel(context.WithoutCancel(ctx))
	errc := make(chan error, 1)
	go func() { errc <- s.client.RunContext(conn) }()
	stop := func(err error) error {
		// New envelopes are dropped (Slack redelivers them to another
		// replica) while those being handled finish, each within its
		// own deadline.
		drained := make(chan struct{})
		go func() {
			for {
				select {
				case <-s.client.Events:
				case <-drained:
					return
				}
			}
		}()
		s.inflight.Wait()
		close(drained)
		hangUp()
		s.connected.Store(false)
		for err == nil {
			select {
			case err = <-errc: // the connection goroutine has ended
				if err == nil {
					err = context.Canceled
				}
			case <-s.client.Events: // dropped: the connection is closing
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("slack socket mode: %w", err)
	}
	for {
		select {
		case <-ctx.Done():
			return stop(nil)
		case err := <-errc:
			if err == nil {
				err = errors.New("connection closed")
			}
			return stop(err)
		case evt := <-s.client.Events:
			s.event(ctx, evt)
		}
	}
}

func (s *Socket) event(ctx context.Context, evt socketmode.Event) {
	var req *socketmode.Request
	switch evt.Type {
	case socketmode.EventTypeEventsAPI, socketmode.EventTypeInteractive, socketmode.EventTypeSlashCommand:
		req = evt.Request
	case socketmode.EventTypeErrorBadMessage:
		// slack-go's strict decoding refused the envelope; our parser
		// reads fewer fields and may still handle it. Ack either way so
		// Slack does not redeliver it forever.
		if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			var r socketmode.Request
			if json.Unmarshal(bad.Message, &r) == nil && r.EnvelopeID != "" {
				req = &r
			}
		}
	case socketmode.EventTypeConnected:
		s.connected.Store(true)
		s.d.log.Info().Msg("slack socket mode connected")
	case socketmode.EventTypeInvalidAuth:
		s.connected.Store(false)
		s.d.log.Error().Msg("slack socket mode: invalid app token")
	case socketmode.EventTypeConnectionError:
		s.connected.Store(false)
		s.d.log.Warn().Msg("slack socket mode connection error, reconnecting")
	case socketmode.EventTypeConnecting, socketmode.EventTypeDisconnect:
		s.connected.Store(false)
	}
	if req == nil || req.EnvelopeID == "" {
		return
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	s.inflight.Add(1)
	go func() {
		defer s.inflight.Done()
		defer func() { <-s.sem }()
		// The envelope is answered even while Run is stopping: its
		// context does not end with Run's, only after envelopeTimeout.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), envelopeTimeout)
		defer cancel()
		start := time.Now()
		a, endpoint := s.handle(ctx, *req)
		var payload any
		if a.body != nil {
			if len(a.body) >= socketAckMaxPayload {
				s.d.log.Error().Int("bytes", len(a.body)).Str(logging.Endpoint, endpoint).Msg("socket mode ack too large; acknowledging without body")
			} else {
				payload = json.RawMessage(a.body)
			}
		}
		if err := s.client.AckCtx(ctx, req.EnvelopeID, payload); err != nil {
			s.d.log.Error().Err(err).Str(logging.Endpoint, endpoint).Msg("socket mode ack")
			s.d.metrics.request(endpoint, "error")
			return
		}
		s.d.metrics.request(endpoint, a.outcome)
		s.d.metrics.acked(endpoint, time.Since(start).Seconds())
		s.d.runner.Go(a.later)
	}()
}

// handle computes the acknowledgement of one Socket Mode envelope.
func (s *Socket) handle(ctx context.Context, req socketmode.Request) (ack, string) {
	var (
		a        ack
		err      error
		endpoint = "socket_" + req.Type
	)
	switch req.Type {
	case socketmode.RequestTypeSlashCommands:
		var c slashCommand
		if c, err = parseCommandJSON(req.Payload); err == nil {
			a = s.d.command(ctx, c)
		}
	case socketmode.RequestTypeInteractive:
		var ic *interaction
		if ic, err = parseInteraction(req.Payload); err == nil {
			a = s.d.interaction(ctx, ic)
		}
	case socketmode.RequestTypeEventsAPI:
		var ev *eventEnvelope
		if ev, err = parseEvent(req.Payload); err == nil {
			a = s.d.event(ctx, ev)
		}
	default:
		err = errors.New("unsupported envelope type")
	}
	if err != nil {
		s.d.log.Warn().Err(err).Str(logging.Endpoint, endpoint).Msg("malformed socket mode envelope")
		return ack{outcome: "bad_request"}, endpoint
	}
	return a, endpoint
}
