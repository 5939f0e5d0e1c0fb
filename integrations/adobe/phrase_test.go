package adobe

import (
	"strings"
	"testing"

	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/integrations/failure"
)

// TestPhraseInFrench: Adobe's sentences with a message id read in
// French; a sentence without one stays English.
func TestPhraseInFrench(t *testing.T) {
	fr := i18n.MustLoad().Lang("fr")
	for _, c := range []struct {
		e    *failure.Error
		want string
	}{
		{&failure.Error{Vendor: Vendor, Reason: failure.ReasonConfig, Code: "error.internal.create_failed", User: "bob@example.org", Explain: explain, Phrase: phrase},
			"Adobe n’a pas pu créer le compte de bob@example.org (error.internal.create_failed). En général, l’annuaire du domaine example.org"},
		{&failure.Error{Vendor: Vendor, Reason: failure.ReasonRateLimited, Explain: explain, Phrase: phrase}, "Adobe limite le débit du bot\u202f; il réessaiera sous peu."},
		{&failure.Error{Vendor: Vendor, Op: opAction, Reason: failure.ReasonTimeout, Explain: explain, Phrase: phrase}, "(modification des profils de produit)"},
		{&failure.Error{Vendor: Vendor, Reason: failure.ReasonInvalid, Code: "error.country.invalid", Explain: explain, Phrase: phrase}, "Adobe rejected the country code for the new user."},
	} {
		key, args := failure.Sentence(c.e)
		if got := fr.Sentence(key, args, c.e.Human()).String(); !strings.Contains(got, c.want) {
			t.Errorf("%s: %q lacks %q", key, got, c.want)
		}
	}
}
