package slackbot

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

func FuzzParseInteraction(f *testing.F) {
	f.Add(`payload={"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"a","value":"v"}]}`)
	f.Add(`payload={"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","state":{"values":{"b":{"a":{"type":"plain_text_input","value":"x"}}}}}}`)
	f.Add(`payload={"type":"view_submission","user":{"id":"U1"},"view":{"state":{"values":{"b":{"a":{"selected_options":[{"value":"x"}],"selected_users":["U2"]}}}}}}`)
	f.Add(`payload=%7B%22type%22%3A%22shortcut%22%7D`)
	f.Add(`payload={"type":"block_actions","user":{"id":"U1"},"container":{"type":"message","message_ts":"1.2"},"message":{"ts":"1.2","blocks":[{"block_id":"b","elements":[{"type":"button","action_id":"a","value":"v"}]}]},"actions":[{"action_id":"a","block_id":"b","value":"v","type":"button"}]}`)
	f.Add(`payload={"type":"block_actions","user":{"id":"U1"},"container":{"type":"view","view_id":"V1"},"view":{"id":"V1","blocks":[{"block_id":"b","accessory":{"type":"static_select","action_id":"a","options":[{"value":"x"}]}}]},"actions":[{"action_id":"a","block_id":"b","selected_option":{"value":"x"}}]}`)
	f.Add(`payload={"type":"block_actions","user":{"id":"U1"},"container":{"type":"message","message_ts":"1.2"},"message":{"ts":"1.2","blocks":"nope"},"actions":[{"action_id":"a"}]}`)
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

// FuzzInertText: whatever a person types, Slack shows it as text: the
// fake's reading of Slack's mrkdwn rules finds no formatting, link,
// mention, quote, line of its own or invisible character in it, alone
// or between our own bold labels.
func FuzzInertText(f *testing.F) {
	for _, s := range []string{
		"*APPROVED BY SECURITY* ~policy waived~ open https://evil.example.com/approve",
		"ok\n\n*Approvals*\n2 of 1", "> quote", "```x```", "_it_", "<!here> <@U1> &amp;", "a\u202Eb\u200B",
		"mailto:x@y.z", "www.evil.test", "first_last@example.com", "*", "_a_b_", "~~", "\r\n>", "@here #general",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, text := range []bot.Text{
			bot.Plain(s),
			bot.Lines(bot.Bold("Justification"), bot.Plain(s), bot.Plain(s)),
			bot.Textf("%s asks: %s (%s)", bot.Bold("x"), bot.Plain(s), bot.Code(s)),
		} {
			out := mrkdwn(text)
			breaks, codes := 0, 0
			for _, sp := range text.Spans() {
				switch sp.Kind {
				case bot.SpanBreak:
					breaks++
				case bot.SpanCode:
					codes++
				}
			}
			if strings.Count(out, "\n") != breaks {
				t.Fatalf("line breaks of their own in %q", out)
			}
			if schemeRE.MatchString(out) || strings.ContainsFunc(out, func(r rune) bool { return r != '\n' && invisible(r) }) {
				t.Fatalf("live text in %q", out)
			}
			r, err := RenderMessage(bot.Message{Blocks: []bot.Block{&bot.Section{Text: text}}})
			if err != nil {
				t.Fatal(err)
			}
			js, _ := json.Marshal(r.Blocks)
			for _, sh := range slackfake.ShownBlocks(string(js), "") {
				if !sh.Verbatim {
					t.Fatalf("not verbatim: %s", js)
				}
				for _, run := range sh.Bold {
					if run != "Justification" && run != "x" {
						t.Fatalf("user text bold: %q in %q", run, out)
					}
				}
				if len(sh.Code) > codes {
					t.Fatalf("user text as code: %q in %q", sh.Code, out)
				}
				if len(sh.Italic)+len(sh.Strike)+len(sh.Quotes)+len(sh.Links)+len(sh.Mentions)+len(sh.Invisible) > 0 {
					t.Fatalf("live user text %+v in %q", sh, out)
				}
			}
		}
	})
}

// schemeRE finds a URL scheme Slack could turn into a link.
var schemeRE = regexp.MustCompile(`(?i)[a-z][a-z0-9+.-]*://`)

// FuzzCheckResponseURL: only the hooks host (or the API override host)
// is ever accepted.
func FuzzCheckResponseURL(f *testing.F) {
	for _, s := range []string{"https://hooks.slack.com/commands/T1/1/x", "http://127.0.0.1:4321/hooks/x", "https://hooks.slack.com@evil.test/x",
		"https://hooks.slack.com.evil.test/x", "https://evil.test/https://hooks.slack.com/x", "https://hooks.slack.com\\@evil.test/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if checkResponseURL(raw, "http://127.0.0.1:4321/") != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("accepted unparsable %q", raw)
		}
		ok := (u.Scheme == "https" && strings.EqualFold(u.Host, "hooks.slack.com")) || (u.Scheme == "http" && u.Host == "127.0.0.1:4321")
		if !ok || u.User != nil {
			t.Fatalf("accepted %q (host %q)", raw, u.Host)
		}
	})
}
