package slackbot

import (
	"context"
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

func FuzzParseInteraction(f *testing.F) {
	f.Add(`payload={"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"a","value":"v"}]}`)
	f.Add(`payload={"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","state":{"values":{"b":{"a":{"type":"plain_text_input","value":"x"}}}}}}`)
	f.Add(`payload={"type":"view_submission","user":{"id":"U1"},"view":{"state":{"values":{"b":{"a":{"selected_options":[{"value":"x"}],"selected_users":["U2"]}}}}}}`)
	f.Add(`payload=%7B%22type%22%3A%22shortcut%22%7D`)
	f.Add(`payload=`)
	f.Add(`a=%zz`)
	d := NewDispatcher(DispatcherConfig{Handler: &recorder{}, Runner: NewRunner(context.Background(), 1, time.Second, zerolog.Nop(), nil), Logger: zerolog.Nop()})
	f.Fuzz(func(t *testing.T, body string) {
		ic, err := parseInteractionForm([]byte(body))
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not ErrMalformed: %v", err)
			}
			return
		}
		if ic.Type == "" || ic.User.ID == "" {
			t.Fatalf("accepted payload without type or user: %+v", ic)
		}
		if ic.View != nil {
			_ = values(ic.View.State.Values)
		}
		if ic.Type == "block_actions" || ic.Type == "view_submission" {
			// The dispatcher must not panic on any parsed payload (no
			// Web API calls: the recorder returns zero replies).
			_ = d.interaction(context.Background(), ic)
		}
	})
}

func FuzzParseCommand(f *testing.F) {
	f.Add(docBody)
	f.Add("command=%2Fdynchat&text=add+alice%40example.com+agent+30d+%22covering+EMEA%22&user_id=U1")
	f.Add("command=dynchat&user_id=U1")
	f.Add("command=%2F&user_id=")
	f.Add("%")
	f.Fuzz(func(t *testing.T, body string) {
		c, err := parseCommandForm([]byte(body))
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not ErrMalformed: %v", err)
			}
			if len(err.Error()) > 200+len("command form: ")+len(body) {
				t.Fatalf("error too long")
			}
			return
		}
		if c.Command == "" || c.Command[0] != '/' || c.UserID == "" {
			t.Fatalf("accepted bad command %+v", c)
		}
		if !utf8.ValidString(c.Command) && len(c.Command) > 64 {
			t.Fatalf("long invalid command accepted")
		}
	})
}

func FuzzParseEvent(f *testing.F) {
	f.Add(`{"type":"url_verification","challenge":"abc"}`)
	f.Add(`{"type":"event_callback","event_id":"Ev1","event":{"type":"app_home_opened","user":"U1","tab":"home"}}`)
	f.Add(`{"type":"app_rate_limited"}`)
	f.Fuzz(func(t *testing.T, body string) {
		ev, err := parseEvent([]byte(body))
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error not ErrMalformed: %v", err)
			}
			return
		}
		if ev.Type == "event_callback" && ev.EventID == "" {
			t.Fatal("event_callback without id accepted")
		}
	})
}
