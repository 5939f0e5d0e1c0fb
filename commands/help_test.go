package commands

import (
	"strings"
	"testing"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
)

// TestHelpInFrench: the French help and usage lines name what the
// reader fills in, and the example's reason, in French; the grammar's
// keywords stay as typed.
func TestHelpInFrench(t *testing.T) {
	fr := i18n.MustLoad().Lang("fr")
	var b strings.Builder
	for _, m := range []bot.Message{HelpMessageIn(fr, "/dynchat"), *usageMessage(fr, "/dynchat", &UsageError{Verb: VerbCancel, Key: "usage.which_request"})} {
		b.WriteString(m.Text.String() + "\n")
		for _, bl := range m.Blocks {
			b.WriteString(bl.(*bot.Section).Text.String() + "\n")
		}
	}
	got := b.String()
	for _, want := range []string{"add [utilisateur] [accès] [durée] [motif…]", "remove [utilisateur] [accès] [motif…]",
		"cancel <identifiant>", "review start [accès]", `"renfort pour l’EMEA"`} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in %s", want, got)
		}
	}
	for _, english := range []string{"[user]", "[package]", "[duration]", "reason", "<id>", "covering"} {
		if strings.Contains(got, english) {
			t.Errorf("English %q in %s", english, got)
		}
	}
}
