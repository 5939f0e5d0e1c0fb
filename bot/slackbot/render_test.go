package slackbot

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/chataccess/chataccess/bot"
	goldenfile "github.com/chataccess/chataccess/internal/golden"
)

func golden(t *testing.T, name string, v any) {
	t.Helper()
	goldenfile.JSON(t, name, v)
}

func TestGolden(t *testing.T) {
	msg, err := RenderMessage(approvalCard())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "approval_card", msg)

	plainOnly, err := RenderMessage(bot.Message{Text: bot.Textf("Request %s was %s by %s", bot.Code("DC-7"), bot.Bold("approved"), bot.Mention("U2"))})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "text_only", plainOnly)

	modal, err := RenderModal(requestModal())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "request_modal", modal)

	home, err := RenderHome(homeView())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "home", home)
}

func TestEscaping(t *testing.T) {
	tests := []struct {
		name string
		in   bot.Text
		want string
	}{
		{"channel broadcast", bot.Plain("<!channel> hi"), "&lt;!channel&gt; hi"},
		{"user mention typed", bot.Plain("<@U123>"), "&lt;@U123&gt;"},
		{"ampersand and brackets", bot.Plain("a & b < c > d"), "a &amp; b &lt; c &gt; d"},
		{"already escaped stays visible", bot.Plain("&amp;"), "&amp;amp;"},
		{"bold escapes", bot.Bold("<!here>"), "*&lt;!here&gt;*"},
		{"code escapes", bot.Code("<b>`x`"), "`&lt;b&gt;ˋxˋ`"},
		{"our mention", bot.Mention("U123"), "<@U123>"},
		{"forged mention id", bot.Mention("U1><!channel"), "@U1&gt;&lt;!channel"},
		{"group mention", bot.GroupMention("S1"), "<!subteam^S1>"},
		{"link", bot.Link("https://x.test/a?b=1", "a <b>"), "<https://x.test/a?b=1|a &lt;b&gt;>"},
		{"javascript link", bot.Link("javascript:alert(1)", "x"), "x (javascript∶alert(1))"},
		{"link breaking out", bot.Link("https://x.test/|<!channel>", "x"), "x (https∶//x.test/|&lt;!channel&gt;)"},
		{"textf args", bot.Textf("%s said %q", bot.Mention("U1"), "<!everyone>"), `<@U1> said "&lt;!everyone&gt;"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mrkdwn(tc.in); got != tc.want {
				t.Errorf("mrkdwn = %q, want %q", got, tc.want)
			}
		})
	}
	// The fallback text goes through the same escaping.
	r, err := RenderMessage(bot.Message{Text: bot.Plain("<!channel>")})
	if err != nil || r.Text != "&lt;!channel&gt;" {
		t.Errorf("fallback = %q, %v", r.Text, err)
	}
}

// TestUserTextIsInert covers the field failure: a justification and a
// display name that drew bold, struck-through text, a live link, a fake
// section and reversed text on the approvers' card.
func TestUserTextIsInert(t *testing.T) {
	tests := []struct {
		name string
		in   bot.Text
		want string
	}{
		{"field failure", bot.Plain("*APPROVED BY SECURITY* ~policy waived~ open https://evil.example.com/approve"),
			"∗APPROVED BY SECURITY∗ ∼policy waived∼ open https∶//evil.example.com/approve"},
		{"fake section", bot.Lines(bot.Bold("Justification"), bot.Plain("ok\n\n*Approvals*\n2 of 1")),
			"*Justification*\nok ↵ ∗Approvals∗ ↵ 2 of 1"},
		{"other line breaks", bot.Plain("a\r\nb\u2028c\u2029d\u0085e\vf"), "a ↵ b ↵ c ↵ d ↵ e ↵ f"},
		{"edge breaks dropped", bot.Plain("\n  a  \n"), "a  "},
		{"bidi override", bot.Plain("invoice\u202Egpj.exe"), "invoicegpj.exe"},
		{"zero width and bom", bot.Plain("ad\u200Bmin\u200C\u200D\u2060\uFEFF\u00AD"), "admin"},
		{"bidi isolates", bot.Plain("\u2066a\u2067b\u2068c\u2069\u061C\u200E\u200F"), "abc"},
		{"controls", bot.Plain("a\x00b\x1bc\x7f\tz"), "abc z"},
		{"hangul filler", bot.Plain("x\u3164y\u115F"), "xy"},
		{"quote at line start", bot.Lines(bot.Plain("x"), bot.Plain("> quoted"), bot.Plain(" >> again")), "x\n› quoted\n ›› again"},
		{"quote inside a line", bot.Plain("a > b"), "a &gt; b"},
		{"code fence", bot.Plain("```rm -rf```"), "ˋˋˋrm -rfˋˋˋ"},
		{"italic", bot.Plain("_urgent_"), "ˍurgentˍ"},
		{"intra-word markers stay", bot.Plain("first_last@example.com a*b c~d"), "first_last@example.com a*b c~d"},
		{"mailto", bot.Plain("mailto:boss@example.com"), "mailto∶boss@example.com"},
		{"scheme case", bot.Plain("HTTPS://x.test SLACK:open"), "HTTPS∶//x.test SLACK∶open"},
		{"times stay", bot.Plain("at 10:42, note: x"), "at 10:42, note: x"},
		{"display name of another platform", bot.MentionOn("teams", "29:1", "*Boss* <!here>\u202E"), "∗Boss∗ &lt;!here&gt;"},
		{"bold span cannot break out", bot.Bold("a* *b"), "*a∗ ∗b*"},
		{"link label", bot.Link("https://x.test", "*click* https://evil.test"), "<https://x.test|∗click∗ https∶//evil.test>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mrkdwn(tc.in); got != tc.want {
				t.Errorf("mrkdwn = %q, want %q", got, tc.want)
			}
		})
	}
	// Every mrkdwn object is verbatim, so Slack links and mentions
	// nothing on its own; plain_text objects lose invisibles and breaks.
	r, err := RenderMessage(bot.Message{Blocks: []bot.Block{
		&bot.Header{Text: "DC-1\u202E\nx"},
		&bot.Section{Text: bot.Plain("see example.com"), Fields: []bot.Text{bot.Plain("a")}},
		&bot.Context{Elements: []bot.Text{bot.Plain("b")}},
		&bot.Actions{Elements: []bot.Element{&bot.Button{ActionID: "a", Text: "ok\u200B\nnow"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(r.Blocks)
	if got := strings.Count(string(js), `"verbatim":true`); got != 3 {
		t.Errorf("%d verbatim text objects, want 3: %s", got, js)
	}
	if strings.Contains(string(js), `"verbatim":false`) || strings.Contains(string(js), `\u202e`) || strings.Contains(string(js), `\u200b`) || strings.Contains(string(js), `\n`) {
		t.Errorf("blocks: %s", js)
	}
	if !strings.Contains(string(js), `"DC-1 x"`) || !strings.Contains(string(js), `"ok now"`) {
		t.Errorf("plain text: %s", js)
	}
}

// TestTextOnlyMessageHasBlocks: the top-level text of a message is
// parsed by Slack (links, mentions), so a message of text alone is
// drawn as verbatim sections and the text is only the fallback.
func TestTextOnlyMessageHasBlocks(t *testing.T) {
	r, err := RenderMessage(bot.Message{Text: bot.Plain("go to https://evil.test")})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Blocks) != 1 || r.Text != "go to https∶//evil.test" {
		t.Fatalf("rendered %+v", r)
	}
	// A long text is split at line breaks into sections within the limit.
	lines := make([]bot.Text, 40)
	for i := range lines {
		lines[i] = bot.Plain(strings.Repeat("x", 199))
	}
	r, err = RenderMessage(bot.Message{Text: bot.Lines(lines...)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Blocks) != 3 {
		t.Fatalf("%d sections, want 3", len(r.Blocks))
	}
	total := 0
	for _, b := range r.Blocks {
		s := b.(*slack.SectionBlock)
		if n := runes(s.Text.Text); n > maxSectionText {
			t.Errorf("section of %d characters", n)
		}
		total += strings.Count(s.Text.Text, "x")
	}
	if total != 40*199 {
		t.Errorf("%d x shown, want all %d", total, 40*199)
	}
}

func TestCutMarkup(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"short", "abc", 5, "abc"},
		{"plain", "abcdef", 4, "abc…"},
		{"entity not split", "ab&amp;cd", 5, "ab…"},
		{"token not split", "ab<@U123>cd", 6, "ab…"},
		{"runes", "ééééé", 3, "éé…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cutMarkup(tc.in, tc.n); got != tc.want {
				t.Errorf("cutMarkup(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name string
		fn   func() error
	}{
		{"huge metadata", func() error {
			_, err := RenderModal(bot.Modal{Title: "t", PrivateMetadata: strings.Repeat("m", 3001)})
			return err
		}},
		{"long callback id", func() error { _, err := RenderModal(bot.Modal{Title: "t", CallbackID: long}); return err }},
		{"long action id", func() error {
			_, err := RenderMessage(bot.Message{Blocks: []bot.Block{&bot.Actions{Elements: []bot.Element{&bot.Button{ActionID: long, Text: "x"}}}}})
			return err
		}},
		{"long value", func() error {
			_, err := RenderMessage(bot.Message{Blocks: []bot.Block{&bot.Actions{Elements: []bot.Element{&bot.Button{ActionID: "a", Value: strings.Repeat("v", 2001)}}}}})
			return err
		}},
		{"duplicate block id", func() error {
			_, err := RenderMessage(bot.Message{Blocks: []bot.Block{&bot.Divider{BlockID: "d"}, &bot.Divider{BlockID: "d"}}})
			return err
		}},
		{"input in message", func() error {
			_, err := RenderMessage(bot.Message{Blocks: []bot.Block{&bot.Input{BlockID: "i", Element: &bot.TextInput{ActionID: "t"}}}})
			return err
		}},
		{"home metadata", func() error { _, err := RenderHome(bot.Home{PrivateMetadata: strings.Repeat("m", 3001)}); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.fn()
			if !errors.Is(err, bot.ErrInvalidContent) {
				t.Fatalf("err = %v, want ErrInvalidContent", err)
			}
		})
	}
}
