package slackbot

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
	"github.com/chataccess/chataccess/i18n"
)

// overflowing is a message of n sections and one section of fields
// fields, over Slack's limits of both.
func overflowing(n, fields int, lang string) bot.Message {
	m := bot.Message{Text: bot.Plain("x"), Lang: lang}
	var fs []bot.Text
	for i := range fields {
		fs = append(fs, bot.Plain("f"+strconv.Itoa(i)))
	}
	m.Blocks = append(m.Blocks, &bot.Section{Text: bot.Plain("fields"), Fields: fs})
	for i := range n - 1 {
		m.Blocks = append(m.Blocks, &bot.Section{Text: bot.Plain("s" + strconv.Itoa(i))})
	}
	return m
}

func renderedJSON(t *testing.T, r Renderer, m bot.Message) string {
	t.Helper()
	out, err := r.Message(m)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestOverflowMarkersInTheMessagesLanguage: a French message cut to fit
// says so in French; the same message in English, or drawn without
// Phrases, says it in English. A cut always leaves out at least two
// blocks or fields (the marker takes the place of one), so the singular
// is checked on the words themselves.
func TestOverflowMarkersInTheMessagesLanguage(t *testing.T) {
	fr := Renderer{Phrases: i18n.MustLoad()}
	for _, tc := range []struct {
		blocks, fields int
		lang           string
		renderer       Renderer
		want           []string
	}{
		{51, 11, "fr", fr, []string{"…2 autres éléments non affichés", "…2 de plus"}},
		{52, 12, "fr", fr, []string{"…3 autres éléments non affichés", "…3 de plus"}},
		{52, 12, "", Renderer{}, []string{"…3 more not shown", "…3 more"}},
		{52, 12, "en", fr, []string{"…3 more not shown", "…3 more"}},
	} {
		got := renderedJSON(t, tc.renderer, overflowing(tc.blocks, tc.fields, tc.lang))
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%d blocks, %d fields, %q: no %q in …%s", tc.blocks, tc.fields, tc.lang, w, got[len(got)-200:])
			}
		}
		if tc.lang == "fr" && strings.Contains(got, "more") {
			t.Errorf("French message with English words: …%s", got[len(got)-200:])
		}
	}
	w := fr.words("fr")
	if got := w.count("adapter.more_not_shown", 1, "x"); got != "…1 autre élément non affiché" {
		t.Errorf("singular %q", got)
	}
	if got := w.count("adapter.more", 1, "x"); got != "…1 de plus" {
		t.Errorf("singular %q", got)
	}
}

// TestFallbackInTheMessagesLanguage: a message with nothing to quote as
// its notification text gets the generic line in its language.
func TestFallbackInTheMessagesLanguage(t *testing.T) {
	m := bot.Message{Lang: "fr", Blocks: []bot.Block{&bot.Actions{BlockID: "a", Elements: []bot.Element{
		&bot.Button{ActionID: "go", Text: "Go", Value: "v", Confirm: &bot.Confirm{Text: bot.Plain("?")}}}}}}
	out, err := Renderer{Phrases: i18n.MustLoad()}.Message(m)
	if err != nil {
		t.Fatal(err)
	}
	if out.Text != "Nouveau message de chataccess" {
		t.Fatalf("fallback %q", out.Text)
	}
	data, _ := json.Marshal(out.Blocks)
	if !strings.Contains(string(data), "Confirmez-vous\u202f?") || !strings.Contains(string(data), `"Oui"`) || !strings.Contains(string(data), `"Annuler"`) {
		t.Fatalf("confirmation defaults not in French: %s", data)
	}
	if out, _ := RenderMessage(bot.Message{Blocks: m.Blocks}); out.Text != "New message from chataccess" {
		t.Fatalf("English fallback %q", out.Text)
	}
}

// TestDMInTheViewersLanguage: a DM that does not say its language is
// cut in the words of the person it is for (their Slack locale); a
// channel post without a language keeps the Phrases' default.
func TestDMInTheViewersLanguage(t *testing.T) {
	fake := newFake(t)
	fake.AddUser(slackfake.User{ID: "UFR", Name: "Fred", Email: "fred@example.com", Locale: "fr-FR"})
	s := NewSender(SenderConfig{BotToken: slackfake.Token, APIURL: fake.URL(), MaxRetryWait: 2 * time.Second,
		Pacer: NewChannelPacer(time.Millisecond, time.Second, nil), Metrics: NewMetrics(nil), Logger: zerolog.Nop(),
		Phrases: i18n.MustLoad()})
	ctx := context.Background()
	ref, err := s.DM(ctx, "UFR", overflowing(52, 0, ""))
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := fake.Message(ref.Channel, ref.ID); !strings.Contains(m.Blocks, "…3 autres éléments non affichés") {
		t.Fatalf("French viewer's DM: …%s", m.Blocks[len(m.Blocks)-200:])
	}
	ref, err = s.Post(ctx, "C1", overflowing(52, 0, ""))
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := fake.Message(ref.Channel, ref.ID); !strings.Contains(m.Blocks, "…3 more not shown") {
		t.Fatalf("channel post: …%s", m.Blocks[len(m.Blocks)-200:])
	}
}

// TestClickRefusalInTheClickersLanguage: a click that does not match
// its message is refused in the clicker's language, read from their
// Slack profile after the acknowledgement (the click payload has no
// locale); when the profile cannot be read (a guest without email) the
// refusal is in the policy's language, not in English.
func TestClickRefusalInTheClickersLanguage(t *testing.T) {
	const french, english = "Ce bouton ne correspond pas", "That button does not match"
	cat := i18n.MustLoad()
	for _, tc := range []struct {
		name, user, locale, policy, want string
	}{
		{"French approver, English policy", "UFR", "fr-FR", "en", french},
		{"English approver, French policy", "UEN", "en-GB", "fr", english},
		{"no locale, French policy", "UNONE", "", "fr", french},
		{"unreadable profile, French policy", "UGUEST", "fr-FR", "fr", french},
		{"unreadable profile, English policy", "UGUEST", "fr-FR", "en", english},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newStackSaying(t, time.Now(), cat.PhrasesIn(tc.policy))
			st.fake.AddUser(slackfake.User{ID: "UFR", Name: "Fanny", Email: "fanny@example.com", Locale: "fr-FR"})
			st.fake.AddUser(slackfake.User{ID: "UEN", Name: "Ed", Email: "ed@example.com", Locale: "en-GB"})
			st.fake.AddUser(slackfake.User{ID: "UNONE", Name: "Nell", Email: "nell@example.com"})
			st.fake.AddUser(slackfake.User{ID: "UGUEST", Name: "Guest", Locale: "fr-FR"}) // no email: LookupUser fails
			ref, err := newTestSender(t, st.fake).Post(context.Background(), "C1", approvalCard())
			if err != nil {
				t.Fatal(err)
			}
			p := map[string]any{"type": "block_actions", "trigger_id": "t1", "user": map[string]any{"id": tc.user},
				"channel":   map[string]any{"id": "C1"},
				"container": map[string]any{"type": "message", "message_ts": ref.ID, "channel_id": "C1"},
				"message":   st.fake.MessagePayload("C1", ref.ID),
				"actions":   []any{map[string]any{"type": "button", "block_id": "decide:DC-1042", "action_id": "approve", "value": "DC-1043"}}}
			if w := st.signed("/slack/interactions", form(p)); w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			_ = st.runner.Wait(context.Background())
			e := st.fake.Ephemerals()
			if len(st.h.actions) != 0 || len(e) != 1 || e[0].User != tc.user || !strings.HasPrefix(e[0].Text, tc.want) {
				t.Fatalf("ephemerals %+v", e)
			}
		})
	}
}

// TestSelectPlaceholderInTheModalsLanguage: a select given no
// placeholder gets the renderer's own "Choose…" in the modal's
// language, English without Phrases.
func TestSelectPlaceholderInTheModalsLanguage(t *testing.T) {
	modal := func(lang string) bot.Modal {
		return bot.Modal{CallbackID: "cb", Title: "t", Submit: "ok", Lang: lang, Blocks: []bot.Block{
			&bot.Input{BlockID: "b", Label: "l", Element: &bot.Select{ActionID: "a", Options: []bot.Option{{Value: "v", Text: "v"}}}}}}
	}
	for _, tc := range []struct {
		r          Renderer
		lang, want string
	}{
		{Renderer{Phrases: i18n.MustLoad()}, "fr", "Choisir…"},
		{Renderer{Phrases: i18n.MustLoad()}, "en", "Choose…"},
		{Renderer{}, "fr", "Choose…"},
	} {
		v, err := tc.r.Modal(modal(tc.lang))
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `"placeholder":{"type":"plain_text","text":"`+tc.want+`"`) {
			t.Errorf("%s: no placeholder %q in %s", tc.lang, tc.want, data)
		}
	}
}
