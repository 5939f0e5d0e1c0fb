package adobe

import (
	"strings"
	"testing"

	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/integrations/failure"
)

// TestPhraseInFrench: Adobe's sentences with a message id read in
// French, user-group refusals included.
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
		{&failure.Error{Vendor: Vendor, Reason: failure.ReasonInvalid, Code: "error.country.invalid", Explain: explain, Phrase: phrase}, "Adobe a rejeté le code de pays du nouvel utilisateur."},
		{coded("error.user.type_mismatch", "bob@example.org"), "le type d’identité de bob@example.org (Enterprise ou Federated) n’est pas celui que le domaine example.org autorise."},
		{coded("error.user.type_mismatch", ""), "le type d’identité de l’utilisateur (Enterprise ou Federated)"},
		{coded("error.user.type_not_available", ""), "cette organisation ne peut pas créer d’utilisateurs du type d’identité configuré."},
		{coded("error.user.domain_enforcement", "bob@example.org"), "Adobe bloque bob@example.org en raison des réglages d’application des domaines"},
		{coded("error.user.domain_enforcement", ""), "Adobe bloque l’utilisateur en raison"},
		{coded("error.user.belongs_to_another_org", "bob@example.org"), "Selon Adobe, bob@example.org appartient à une autre organisation"},
		{coded("error.user.belongs_to_another_org", ""), "Selon Adobe, le compte appartient à une autre organisation"},
		{coded("error.user.email.invalid", "bob@example.org"), "l’adresse e-mail bob@example.org n’est pas valide (60\u00a0caractères au plus)."},
		{coded("error.user.email.invalid", ""), "Selon Adobe, l’adresse e-mail n’est pas valide"},
		{coded("error.update.adobeid.no", "bob@example.org"), "Selon Adobe, bob@example.org est un Adobe ID personnel"},
		{coded("error.update.adobeid.no", ""), "Selon Adobe, le compte est un Adobe ID personnel"},
		{&failure.Error{Vendor: Vendor, Reason: failure.ReasonInvalid, Code: codeValidation, Message: "bad field", Explain: explain, Phrase: phrase},
			"Le bot a construit une requête qu’Adobe refuserait (bad field)\u202f; c’est un bogue à signaler."},
		{&failure.Error{Vendor: Vendor, Reason: failure.ReasonConfig, Status: 404, Op: opToken, Explain: explain, Phrase: phrase},
			"ADOBE_IMS_URL est donc erroné\u202f; indiquez " + DefaultIMSURL + "."},
		{&failure.Error{Vendor: Vendor, Reason: failure.ReasonConfig, Status: 404, Op: opAction, Explain: explain, Phrase: phrase},
			"ADOBE_UMAPI_URL est donc erroné\u202f; indiquez " + DefaultUMAPIURL + " (ou la forme d’Adobe, " + DefaultUMAPIURL + umapiPath + ")."},
		{&failure.Error{Vendor: Vendor, Reason: failure.ReasonConflict, User: "bob@example.org", Explain: explain, Phrase: phrase},
			"Selon Adobe, bob@example.org existe déjà d’une manière qui entre en conflit avec cette modification."},
		{&failure.Error{Vendor: Vendor, Op: opUser, Reason: failure.ReasonTimeout, User: "bob@example.org", Explain: explain, Phrase: phrase},
			"(lecture de l’utilisateur pour bob@example.org)"},
	} {
		key, args := failure.Sentence(c.e)
		if got := fr.Sentence(key, args, c.e.Human()).String(); !strings.Contains(got, c.want) {
			t.Errorf("%s: %q lacks %q", key, got, c.want)
		}
	}
	for code, want := range map[string]string{
		"error.usergroup.readonly.shared":              "Selon Adobe, le groupe d’utilisateurs \"Sales\" est partagé par une autre organisation et en lecture seule ici\u202f;",
		"error.usergroup.not_found":                    "L’Admin Console n’a aucun groupe d’utilisateurs nommé \"Sales\" (les profils",
		"error.usergroup.exceeds_maximum_member_count": "le groupe d’utilisateurs \"Sales\" compte plus de 200\u202f000 membres",
	} {
		e := coded(code, "")
		if k := groupSentenceKey(e); k == "" {
			t.Errorf("%s: no message id", code)
		} else if got := fr.Sentence(k, map[string]string{"Group": `"Sales"`}, groupSentence("Sales", e)).String(); !strings.Contains(got, want) {
			t.Errorf("%s: %q lacks %q", code, got, want)
		}
	}
}

// coded is a refusal of Adobe with code about user.
func coded(code, user string) *failure.Error {
	return &failure.Error{Vendor: Vendor, Reason: failure.ReasonInvalid, Code: code, User: user, Explain: explain, Phrase: phrase}
}
