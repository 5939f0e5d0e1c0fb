package slackbot

import (
	"context"
	"encoding/json"
	"go.uber.org/goleak"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/store"
)

// TestSocketModeEnvelopes drives the Socket Mode path without a
// WebSocket: the same dispatcher answers envelopes with the bodies the
// HTTP endpoints would send.
func TestSocketModeEnvelopes(t *testing.T) {
	st := newStack(t, time.Now())
	d := NewDispatcher(DispatcherConfig{Handler: st.h, Sender: newTestSender(t, st.fake), Runner: st.runner,
		Dedupe: NewDedupe(store.New(st.rdb, st.prefix), time.Minute)})
	s := NewSocket(NewSender(SenderConfig{BotToken: "xoxb-x", AppToken: "xapp-x", APIURL: st.fake.URL()}), d)
	ctx := context.Background()

	st.h.reply = bot.Reply{Message: &bot.Message{Text: bot.Plain("ok <!here>")}}
	a, ep := s.handle(ctx, socketmode.Request{Type: "slash_commands", EnvelopeID: "e1",
		Payload: json.RawMessage(`{"command":"/dynchat","text":"status","user_id":"U1","channel_id":"C1","trigger_id":"t"}`)})
	if ep != "socket_slash_commands" || !strings.Contains(string(a.body), `ok &lt;!here&gt;`) && !strings.Contains(string(a.body), `ok \u0026lt;!here\u0026gt;`) {
		t.Errorf("command ack %s: %s", ep, a.body)
	}
	st.h.subReply = bot.SubmissionReply{Errors: map[string]string{"target": "bad"}}
	a, _ = s.handle(ctx, socketmode.Request{Type: "interactive", EnvelopeID: "e2",
		Payload: json.RawMessage(`{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","callback_id":"c","state":{"values":{}}}}`)})
	if string(a.body) != `{"response_action":"errors","errors":{"target":"bad"}}` {
		t.Errorf("submission ack: %s", a.body)
	}
	ev := json.RawMessage(`{"type":"event_callback","event_id":"EvS1","event":{"type":"app_home_opened","user":"U1","tab":"home"}}`)
	a1, _ := s.handle(ctx, socketmode.Request{Type: "events_api", EnvelopeID: "e3", Payload: ev})
	a2, _ := s.handle(ctx, socketmode.Request{Type: "events_api", EnvelopeID: "e4", Payload: ev, RetryAttempt: 1})
	if a1.later == nil || a2.outcome != "duplicate" {
		t.Errorf("event dedupe: %+v %+v", a1.outcome, a2.outcome)
	}
	a, _ = s.handle(ctx, socketmode.Request{Type: "interactive", EnvelopeID: "e5", Payload: json.RawMessage(`{`)})
	if a.outcome != "bad_request" || a.body != nil {
		t.Errorf("malformed: %+v", a)
	}
}

// TestSocketRunStopsAndLeavesNothing: cancelling Run's context ends the
// connection goroutine and returns promptly, with no goroutine left.
func TestSocketRunStopsAndLeavesNothing(t *testing.T) {
	st := newStack(t, time.Now())
	d := NewDispatcher(DispatcherConfig{Handler: st.h, Sender: newTestSender(t, st.fake), Runner: st.runner})
	before := goleak.IgnoreCurrent()
	s := NewSocket(NewSender(SenderConfig{BotToken: "xoxb-x", AppToken: "xapp-x", APIURL: st.fake.URL()}), d)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	time.Sleep(200 * time.Millisecond) // let it try to connect (the fake has no WebSocket)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5 s of cancel")
	}
	var err error
	for range 40 { // idle HTTP connections close on their own schedule
		if err = goleak.Find(before, goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
			goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"), goleak.IgnoreTopFunction("internal/poll.runtime_pollWait")); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal(err)
}
