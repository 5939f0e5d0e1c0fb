package slackbot

import (
	"errors"
	goldenfile "github.com/chataccess/chataccess/internal/golden"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/bot"
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
		{"code escapes", bot.Code("<b>`x`"), "`&lt;b&gt;'x'`"},
		{"our mention", bot.Mention("U123"), "<@U123>"},
		{"forged mention id", bot.Mention("U1><!channel"), "@U1&gt;&lt;!channel"},
		{"group mention", bot.GroupMention("S1"), "<!subteam^S1>"},
		{"link", bot.Link("https://x.test/a?b=1", "a <b>"), "<https://x.test/a?b=1|a &lt;b&gt;>"},
		{"javascript link", bot.Link("javascript:alert(1)", "x"), "x (javascript:alert(1))"},
		{"link breaking out", bot.Link("https://x.test/|<!channel>", "x"), "x (https://x.test/|&lt;!channel&gt;)"},
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
