package teamsbot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/internal/golden"
)

// TestEscapeMakesUserTextInert: Markdown, mentions, list markers,
// control and direction characters typed by a user come out inert.
func TestEscapeMakesUserTextInert(t *testing.T) {
	for in, want := range map[string]string{
		"**bold** _it_ [x](https://e.x)": `\*\*bold\*\* \_it\_ \[x\](https://e.x)`,
		"<at>Bob</at>":                   `\<at\>Bob\</at\>`,
		"- item":                         `\- item`,
		"12. item":                       `12\. item`,
		"# title":                        `\# title`,
		"a\nb\tc\r":                      "a b c ",
		"ev\u202eil\u200b":               "evil",
		"`code` ~~s~~ \\":                "\\`code\\` \\~\\~s\\~\\~ \\\\",
		"{{DATE(2026-01-01T00:00:00Z)}}": "{\uFF5BDATE(2026-01-01T00:00:00Z)}}",
	} {
		if got := escape(in, true); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMentionsOnlyFromSpans: a mention entity exists only for a mention
// span with a Teams id; a name that collides with another person's is
// shown plainly.
func TestMentionsOnlyFromSpans(t *testing.T) {
	m := bot.Message{Text: bot.Join(
		bot.Plain("<at>Eve</at> "),
		bot.MentionOn(bot.Teams, "aaaaaaaa-0000-4000-8000-000000000001", "Eve"),
		bot.Plain(" "),
		bot.MentionOn(bot.Teams, "bbbbbbbb-0000-4000-8000-000000000002", "Eve"),
		bot.Plain(" "),
		bot.MentionOn(bot.Slack, "U123", "Sam"),
		bot.Plain(" "),
		bot.MentionOn(bot.Teams, "not-an-id", "Nope"),
	)}
	r, err := RenderMessage(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Card.MSTeams.Entities) != 1 || r.Card.MSTeams.Entities[0].Mentioned.ID != "aaaaaaaa-0000-4000-8000-000000000001" {
		t.Fatalf("entities %+v", r.Card.MSTeams.Entities)
	}
	if got := r.Card.Body[0].Text; got != `\<at\>Eve\</at\> <at>Eve</at> Eve Sam Nope` {
		t.Fatalf("text %q", got)
	}
}

// TestCardsStayUnderSizeLimit: a message far over Teams' limit is cut
// to fit and says so.
func TestCardsStayUnderSizeLimit(t *testing.T) {
	m := bot.Message{Text: bot.Plain("big")}
	for range 300 {
		m.Blocks = append(m.Blocks, &bot.Section{Text: bot.Plain(strings.Repeat("justification ", 200))})
	}
	r, err := RenderMessage(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(r.Activity())
	if len(data) > maxCardBytes+2048 {
		t.Fatalf("activity is %d bytes", len(data))
	}
	if last := r.Card.Body[len(r.Card.Body)-1].Text; !strings.Contains(last, "Shortened") {
		t.Fatalf("no note of the cut: %q", last)
	}
}

// TestDialogErrorsGolden: a refused submit redraws the dialog with the
// typed values and each error under its input; an error for a field
// the dialog lacks goes on top.
func TestDialogErrorsGolden(t *testing.T) {
	mod := bot.Modal{CallbackID: "dc_add", Title: "Request access", Submit: "Request", Close: "Cancel", Blocks: []bot.Block{
		&bot.Input{BlockID: "email", Label: "Email", Element: &bot.EmailInput{ActionID: "email_in"}},
		&bot.Input{BlockID: "package", Label: "Package", Element: &bot.Select{ActionID: "package_in", Options: []bot.Option{{Value: "agent", Text: "agent"}}}},
		&bot.Input{BlockID: "justification", Label: "Justification", Element: &bot.TextInput{ActionID: "reason_in", Multiline: true}},
	}}
	c, err := RenderDialog(mod, "0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	vals, raw := dialogValues(c, nil, map[string]any{"in:email/email_in": "bob@", "in:package/package_in": "agent", "in:justification/reason_in": "x", "other": "ignored"})
	if vals.Get("email", "email_in").Text != "bob@" || vals.Get("package", "package_in").Selected[0] != "agent" || len(vals) != 3 {
		t.Fatalf("values %+v", vals)
	}
	out := withErrors(c, raw, map[string]string{"email": "bob@ is not a valid email address.", "user": "Pick a person or type their email below."})
	golden.JSON(t, "dialog_add_errors", out)
}
