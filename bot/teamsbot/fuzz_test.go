package teamsbot

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseActivity: any body either fails with ErrMalformed or gives a
// checked activity that classifies without panicking, whose command text
// is valid UTF-8 and bounded.
func FuzzParseActivity(f *testing.F) {
	f.Add([]byte(`{"type":"message","id":"1","serviceUrl":"https://smba.trafficmanager.net/teams/","channelId":"msteams","from":{"id":"29:a","aadObjectId":"aaaaaaaa-0000-4000-8000-000000000001"},"conversation":{"id":"19:c@thread.tacv2","conversationType":"channel"},"recipient":{"id":"28:b"},"text":"<at>bot</at> add a@b.c agent 30d \"x\"","entities":[{"type":"mention","text":"<at>bot</at>","mentioned":{"id":"28:b"}}]}`))
	f.Add([]byte(`{"type":"invoke","name":"adaptiveCard/action","id":"2","serviceUrl":"http://127.0.0.1:1/","channelId":"msteams","from":{"id":"29:a"},"conversation":{"id":"a:1"},"value":{"action":{"type":"Action.Execute","verb":"dc_approve","data":{"v":"DC-1","b":"decide:DC-1"}}}}`))
	f.Add([]byte(`{"type":"invoke","name":"task/submit","id":"3","serviceUrl":"https://x/","channelId":"msteams","from":{"id":"29:a"},"conversation":{"id":"a:1"},"value":{"data":{"dlg":"0123456789abcdef0123456789abcdef","in:a/b":"c"}}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseActivity(body)
		if err != nil {
			if a != nil {
				t.Fatal("activity with an error")
			}
			return
		}
		if len(a.ID) > maxIDLen || len(a.Conversation.ID) > maxIDLen || len(a.Text) > maxTextLen {
			t.Fatalf("unbounded activity: %d %d %d", len(a.ID), len(a.Conversation.ID), len(a.Text))
		}
		if _, err := serviceURL(a.ServiceURL); err != nil {
			t.Fatalf("bad serviceUrl accepted: %q", a.ServiceURL)
		}
		_, _ = classify(a)
		text := commandText(a, "/dynchat", func(string) string { return "x@example.com" })
		if !utf8.ValidString(text) || len(text) > 2*maxTextLen+len(a.Entities)*16 {
			t.Fatalf("command text %q", text)
		}
		_ = userOf(a)
	})
}

// FuzzInvokeValue: any invoke value classifies to a known kind with
// bounded button data, or fails with ErrMalformed / ErrUnknownInvoke.
func FuzzInvokeValue(f *testing.F) {
	f.Add("adaptiveCard/action", []byte(`{"action":{"type":"Action.Execute","verb":"dc_approve","data":{"v":"DC-1","b":"decide:DC-1"}}}`))
	f.Add("adaptiveCard/action", []byte(`{"action":{"type":"Action.Execute","verb":"refresh"}}`))
	f.Add("task/fetch", []byte(`{"data":{"a":"dc_deny","v":"DC-1","b":"decide:DC-1","cf":{"t":"x"},"msteams":{"type":"task/fetch"}}}`))
	f.Add("task/submit", []byte(`{"data":{"dlg":"0123456789abcdef0123456789abcdef","in:x/y":"z"}}`))
	f.Add("task/submit", []byte(`{"data":null}`))
	f.Add("composeExtension/query", []byte(`{}`))
	f.Fuzz(func(t *testing.T, name string, value []byte) {
		if !json.Valid(value) {
			value = nil
		}
		a := &Activity{Type: typeInvoke, Name: name, ID: "1", ServiceURL: "https://x/", ChannelID: "msteams",
			From: &Account{ID: "29:a"}, Conversation: &Conversation{ID: "a:1"}, Value: value}
		in, err := classify(a)
		if err != nil {
			if in != nil {
				t.Fatal("inbound with an error")
			}
			return
		}
		switch in.kind {
		case kindAction, kindRefresh, kindTaskFetch, kindTaskSubmit:
		default:
			t.Fatalf("invoke %q classified as %s", name, in.kind)
		}
		b := in.button
		if len(b.Value) > maxData || len(b.Action) > 255 || len(b.Block) > 255 || len(b.Dialog) > 64 || len(in.data) > maxDataKeys {
			t.Fatalf("unbounded data %+v", b)
		}
		if in.kind == kindAction && (in.verb == "" || len(in.verb) > 255) {
			t.Fatalf("verb %q", in.verb)
		}
	})
}

// FuzzEscape: escaped user text never holds a mention tag, Markdown
// emphasis, link brackets, line breaks or invisible characters.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"**b**", "<at>x</at>", "[a](https://b)", "- x", "a\nb", "\u202e", "\\*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := escape(s, true)
		if strings.Contains(out, "<at>") || strings.Contains(out, "{{") || strings.ContainsAny(out, "\n\r\t\u202e\u200b") {
			t.Fatalf("escape(%q) = %q", s, out)
		}
		// Every special character is escaped: removing the escapes
		// leaves no special character that was preceded by nothing.
		for i := 0; i < len(out); i++ {
			if strings.IndexByte(mdSpecial, out[i]) >= 0 {
				if out[i] != '\\' {
					t.Fatalf("unescaped %q in %q", out[i], out)
				}
				i++ // a backslash escapes the next character
			}
		}
	})
}
