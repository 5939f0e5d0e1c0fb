package slackbot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chataccess/chataccess/bot"
)

func manyOptions(n int) []bot.Option {
	opts := make([]bot.Option, n)
	for i := range opts {
		opts[i] = bot.Option{Value: fmt.Sprintf("v%d", i), Text: strings.Repeat("Option text ", 10), Description: strings.Repeat("d", 200)}
	}
	return opts
}

// TestLimitsAcceptedByFake renders oversized content and sends it to the
// fake, which enforces Block Kit limits on its own: every call must pass.
func TestLimitsAcceptedByFake(t *testing.T) {
	f := newFake(t)
	s := newTestSender(t, f)
	ctx := context.Background()
	huge := strings.Repeat("a&b<c> ", 2000) // 14 000 chars before escaping

	var eighty []bot.Block
	for i := range 80 {
		eighty = append(eighty, &bot.Section{Text: bot.Plain(fmt.Sprintf("line %d", i))})
		if i == 70 {
			eighty = append(eighty, &bot.Actions{BlockID: "act", Elements: []bot.Element{&bot.Button{ActionID: "approve", Text: "Approve", Value: "x"}}})
		}
	}
	var buttons []bot.Element
	for i := range 40 {
		buttons = append(buttons, &bot.Button{ActionID: fmt.Sprintf("b%d", i), Text: strings.Repeat("B", 100), Value: "v"})
	}
	var fields []bot.Text
	for range 30 {
		fields = append(fields, bot.Plain(strings.Repeat("f", 2500)))
	}
	messages := map[string]bot.Message{
		"long texts": {Text: bot.Plain(huge), Blocks: []bot.Block{
			&bot.Header{Text: strings.Repeat("H", 400)},
			&bot.Section{Text: bot.Join(bot.Bold(huge), bot.Mention("U1")), Fields: fields},
			&bot.Context{Elements: []bot.Text{bot.Plain(huge), bot.Plain("x"), bot.Plain("y"), bot.Plain("1"), bot.Plain("2"), bot.Plain("3"), bot.Plain("4"), bot.Plain("5"), bot.Plain("6"), bot.Plain("7"), bot.Plain("8"), bot.Plain("9")}},
		}},
		"80 blocks":   {Blocks: eighty},
		"40 buttons":  {Blocks: []bot.Block{&bot.Actions{Elements: buttons}}},
		"200 options": {Blocks: []bot.Block{&bot.Actions{Elements: []bot.Element{&bot.Select{ActionID: "s", Options: manyOptions(200), Initial: "v150"}}}}},
		"confirm": {Blocks: []bot.Block{&bot.Actions{Elements: []bot.Element{&bot.Button{ActionID: "a", Text: "x",
			Confirm: &bot.Confirm{Title: strings.Repeat("T", 200), Text: bot.Plain(huge), Confirm: strings.Repeat("C", 50), Deny: strings.Repeat("D", 50)}}}}}},
	}
	for name, m := range messages {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Post(ctx, "C1", m); err != nil {
				t.Fatalf("post: %v", err)
			}
		})
	}

	t.Run("80 blocks keeps actions and says how many more", func(t *testing.T) {
		r, err := RenderMessage(messages["80 blocks"])
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Blocks) != maxMessageBlocks {
			t.Fatalf("%d blocks", len(r.Blocks))
		}
		js, _ := json.Marshal(r.Blocks)
		if !strings.Contains(string(js), `"block_id":"act"`) || !strings.Contains(string(js), "…32 more not shown") {
			t.Errorf("actions or note missing: %s", js[len(js)-400:])
		}
	})

	t.Run("modal with 200 options, 150 blocks and long labels", func(t *testing.T) {
		blocks := []bot.Block{
			&bot.Input{BlockID: "pkg", Label: strings.Repeat("L", 3000), Hint: strings.Repeat("h", 3000), Element: &bot.Select{ActionID: "p", Options: manyOptions(200), Placeholder: strings.Repeat("p", 300)}},
			&bot.Input{BlockID: "multi", Label: "m", Element: &bot.MultiSelect{ActionID: "m", Options: manyOptions(200), Initial: []string{"v1", "v199"}}},
			&bot.Input{BlockID: "why", Label: "w", Element: &bot.TextInput{ActionID: "w", MaxLength: 9000, Initial: huge}},
		}
		for i := range 150 {
			blocks = append(blocks, &bot.Context{Elements: []bot.Text{bot.Plain(fmt.Sprint(i))}})
		}
		m := bot.Modal{CallbackID: "c", Title: "A title much longer than twenty-four characters", Submit: "Submit this request now please", Close: "Close this dialog right now", PrivateMetadata: strings.Repeat("m", 3000), Blocks: blocks}
		if err := s.OpenModal(ctx, "trigger-1", m); err != nil {
			t.Fatalf("open: %v", err)
		}
		h := bot.Home{Blocks: blocks[3:]}
		if err := s.PublishHome(ctx, "U1", h); err != nil {
			t.Fatalf("publish: %v", err)
		}
	})

	for _, c := range f.Calls("") {
		if c.Error != "" {
			t.Errorf("fake rejected %s: %s", c.Method, c.Error)
		}
	}
	for _, m := range f.Messages() {
		if utf8.RuneCountInString(m.Text) > maxFallbackText {
			t.Errorf("fallback text %d chars", utf8.RuneCountInString(m.Text))
		}
	}
}

// TestFakeRejectsBrokenBlocks proves the fake enforces the limits on its
// own, so TestLimitsAcceptedByFake means something.
func TestFakeRejectsBrokenBlocks(t *testing.T) {
	f := newFake(t)
	tooMany := make([]map[string]any, 51)
	for i := range tooMany {
		tooMany[i] = map[string]any{"type": "divider"}
	}
	longText := map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": strings.Repeat("x", 3001)}}
	for name, blocks := range map[string]any{"51 blocks": tooMany, "long section": []any{longText}} {
		t.Run(name, func(t *testing.T) {
			raw, _ := json.Marshal(blocks)
			err := postRaw(f, string(raw))
			if err == nil || !strings.Contains(err.Error(), "invalid_blocks") {
				t.Fatalf("err = %v, want invalid_blocks", err)
			}
		})
	}
}
