package teamsbot_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
	"github.com/chataccess/chataccess/i18n"
)

// TestAdapterSentencesInTheActivityLocale: what the Teams adapter says
// on its own — a redelivered click, a stale card, an expired form — is
// in the language of the activity's locale (the person's Teams client),
// and in the policy's language when the locale has no catalog.
func TestAdapterSentencesInTheActivityLocale(t *testing.T) {
	for _, tc := range []struct {
		locale, policy                           string
		alreadyDone, stale, expired, sure, notIn string
	}{
		{"fr-FR", "en", "Déjà fait.", "Cette carte a changé depuis son affichage", "Ce formulaire a expiré", "Confirmez-vous", "Already done"},
		{"en-US", "fr", "Already done.", "This card has changed since it was shown", "This form has expired", "Are you sure?", "Déjà fait"},
		{"de-DE", "fr", "Déjà fait.", "Cette carte a changé depuis son affichage", "Ce formulaire a expiré", "Confirmez-vous", "Already done"},
	} {
		t.Run(tc.locale+"/"+tc.policy, func(t *testing.T) {
			h := newHarnessSaying(t, i18n.MustLoad().PhrasesIn(tc.policy))
			cardID := postCard(t, h, "DC-1")
			h.h.action = func(a bot.Action) bot.ActionReply { return bot.ActionReply{} }
			click := execute(h, bob, cardID, "dc_approve", map[string]any{"v": "DC-1", "b": "decide:DC-1"})
			click["locale"] = tc.locale
			h.post(t, click, h.token())
			if _, body := h.post(t, click, h.token()); !strings.Contains(string(body), tc.alreadyDone) || strings.Contains(string(body), tc.notIn) {
				t.Errorf("redelivered click: %s", body)
			}
			forged := execute(h, bob, cardID, "dc_approve", map[string]any{"v": "DC-2", "b": "decide:DC-1"})
			forged["locale"] = tc.locale
			if _, body := h.post(t, forged, h.token()); !strings.Contains(string(body), tc.stale) {
				t.Errorf("stale click: %s", body)
			}
			foreign := h.fake.Invoke(appID, bob, channel, "task/fetch", teamsfake.TaskData(map[string]any{"dlg": "0123456789abcdef0123456789abcdef"}), cardID)
			foreign["locale"] = tc.locale
			if _, body := h.post(t, foreign, h.token()); !strings.Contains(string(body), tc.expired) {
				t.Errorf("expired form: %s", body)
			}
			// A button whose confirmation names no title or buttons gets
			// the adapter's own.
			m := bot.Message{Text: bot.Plain("x"), Blocks: []bot.Block{&bot.Actions{BlockID: "b", Elements: []bot.Element{
				&bot.Button{ActionID: "go", Text: "Go", Value: "v", Confirm: &bot.Confirm{Text: bot.Plain("Sure?")}}}}}}
			ref, err := h.adapter.Sender.Post(context.Background(), channel.ID, m)
			if err != nil {
				t.Fatal(err)
			}
			ask := h.fake.Invoke(appID, bob, channel, "task/fetch", teamsfake.TaskData(map[string]any{
				"a": "go", "v": "v", "b": "b", "cf": map[string]any{"x": "Sure?"}, "msteams": map[string]string{"type": "task/fetch"}}), ref.ID)
			ask["locale"] = tc.locale
			if status, body := h.post(t, ask, h.token()); status != http.StatusOK || !strings.Contains(string(body), tc.sure) {
				t.Errorf("confirmation: %d %s", status, body)
			}
		})
	}
}

// TestShortenedCardInItsLanguage: a card cut to fit Teams says so in
// the message's language.
func TestShortenedCardInItsLanguage(t *testing.T) {
	h := newHarnessSaying(t, i18n.MustLoad().PhrasesIn("en"))
	m := bot.Message{Text: bot.Plain("x"), Lang: "fr"}
	for range 60 {
		m.Blocks = append(m.Blocks, &bot.Section{Text: bot.Plain(strings.Repeat("mot ", 900))})
	}
	if _, err := h.adapter.Sender.Post(context.Background(), channel.ID, m); err != nil {
		t.Fatal(err)
	}
	p := waitPosts(t, h, 1)[0]
	if !strings.Contains(string(p.Raw), "Raccourci pour tenir dans Teams.") || strings.Contains(string(p.Raw), "Shortened") {
		t.Fatalf("shortened card: …%s", p.Raw[max(0, len(p.Raw)-300):])
	}
}
