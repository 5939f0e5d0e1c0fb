package slackbot

import (
	"context"
	"strconv"
	"testing"

	"github.com/chataccess/chataccess/bot/slackbot/slackfake"
)

type phrasebook map[string]string

func (p phrasebook) Phrase(locale, id string) string { return p[locale+"/"+id] }

func (p phrasebook) PhraseN(locale, id string, n int) string {
	return p[locale+"/"+id+"#"+strconv.Itoa(n)]
}

// TestAdapterSentencesInTheUsersLanguage: the adapter's own sentences
// follow the person's Slack locale through the Phrases; without
// Phrases they are English.
func TestAdapterSentencesInTheUsersLanguage(t *testing.T) {
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	fake.AddUser(slackfake.User{ID: "UFR", Name: "Fred", Email: "fred@example.com", Locale: "fr-FR"})
	fake.AddUser(slackfake.User{ID: "UEN", Name: "Ed", Email: "ed@example.com"})
	s := newTestSender(t, fake)
	d := NewDispatcher(DispatcherConfig{Sender: s, Phrases: phrasebook{"fr-FR/adapter.went_wrong": "Un problème est survenu.", "/adapter.went_wrong": "Something went wrong."}})
	ctx := context.Background()
	if got := d.say(ctx, "UFR", "adapter.went_wrong", "x").Text.String(); got != "Un problème est survenu." {
		t.Fatalf("French speaker: %q", got)
	}
	if got := d.say(ctx, "UEN", "adapter.went_wrong", "x").Text.String(); got != "Something went wrong." {
		t.Fatalf("no locale: %q", got)
	}
	if got := NewDispatcher(DispatcherConfig{Sender: s}).say(ctx, "UFR", "adapter.went_wrong", "English.").Text.String(); got != "English." {
		t.Fatalf("without phrases: %q", got)
	}
}
