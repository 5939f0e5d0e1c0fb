package commands

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/vendormap"
)

// failedCard is the text of the failed-request card r in language lang.
func failedCard(t *testing.T, f *fixture, r *approvals.Request, lang string) string {
	t.Helper()
	pkg, _ := testPolicy().Package(r.Package)
	m, err := slackbot.RenderMessage(Card(r, pkg, CardOptions{Lang: f.h.cat.Lang(lang)}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var s strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if str, ok := x.(string); ok && k == "text" {
					s.WriteString(str + "\n")
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return s.String()
}

func sentenceOf(err error) approvals.Sentence {
	key, args := failure.Sentence(err)
	return approvals.Say(failure.Human(err), key, args)
}

// TestFailureSentencesInFrench: a failed request's card shows its
// failure and step detail in the reader's language, built from the
// stored message id and arguments; the arguments stay as given.
func TestFailureSentencesInFrench(t *testing.T) {
	f := newFixture(t)
	role := &vendormap.MatchError{Kind: vendormap.KindRole, Ref: `"DC Agnet"`, Problem: vendormap.ProblemNotFound}
	limited := &failure.Error{Vendor: "Adobe", Reason: failure.ReasonRateLimited, RetryAfter: 38 * time.Second}
	unknown := &failure.Error{Vendor: "Marketo", Reason: failure.ReasonUnknown, Code: "799", Message: "Something odd."}
	next := time.Date(2025, 3, 3, 10, 42, 0, 0, time.UTC)
	for name, c := range map[string]struct {
		why       approvals.Sentence
		step      approvals.Sentence
		fr, en    []string
		notFrench string
	}{
		"marketo role not found": {
			why: sentenceOf(role), step: sentenceOf(role),
			fr: []string{"Marketo n’a aucun rôle nommé \"DC Agnet\"\u202f; créez-le avec l’autorisation «\u00a0Access Dynamic Chat\u00a0»"},
			en: []string{"Marketo has no role named \"DC Agnet\"; create it with the “Access Dynamic Chat” permission or fix the policy file."},
		},
		"rate limit wait": {
			why:  sentenceOf(limited),
			step: approvals.Say("x", "saga.next_try", sentenceOf(limited).Nest("Cause", map[string]string{"NextTime": next.Format(time.RFC3339)})),
			fr:   []string{"Adobe limite le débit de chataccess\u202f; il réessaiera dans 38 secondes environ.", "Prochain essai à ", "|10:42 UTC"},
			en:   []string{"Adobe is rate limiting chataccess; it will try again in about 38 seconds.", "Next try ", "|10:42 UTC"},
		},
		"adobe directory not set up": {
			why: approvals.Say("Adobe could not create the account for bob@example.org (error.internal.create_failed).", "adobe.create_failed.named",
				map[string]string{"User": "bob@example.org", "Domain": "example.org", "Vendor": "Adobe"}),
			fr: []string{"Adobe n’a pas pu créer le compte de bob@example.org", "l’annuaire du domaine example.org n’est pas entièrement configuré"},
			en: []string{"Adobe could not create the account for bob@example.org (error.internal.create_failed). This usually means the directory of the domain example.org"},
		},
		"unknown vendor answer": {
			why: sentenceOf(unknown), step: sentenceOf(unknown),
			fr: []string{"Marketo a donné une réponse que chataccess ne reconnaît pas (799: Something odd)\u202f; elle est réessayée quelques fois"},
			en: []string{"Marketo gave an answer chataccess does not recognise (799: Something odd); it is tried a few times"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			if c.why.Key == "" {
				t.Fatalf("no message id for %q", c.why.Text)
			}
			r := cardStates()["card_failed"]
			r.Failure, r.FailureKey, r.FailureArgs = c.why.Text, c.why.Key, c.why.Args
			if c.step.Key != "" {
				r.Steps[1] = approvals.Step{Name: "marketo", Status: approvals.StepFailed, Detail: c.step.Text, DetailKey: c.step.Key, DetailArgs: c.step.Args}
				if c.step.Key == "saga.next_try" {
					r.Steps[1].Status = approvals.StepWaiting
				}
			}
			for lang, want := range map[string][]string{"fr": c.fr, "en": c.en} {
				got := failedCard(t, f, r, lang)
				for _, w := range want {
					if !strings.Contains(got, w) {
						t.Errorf("%s card lacks %q:\n%s", lang, w, got)
					}
				}
			}
		})
	}
}

// TestOldFailureStaysEnglish: a request stored before failures had
// message ids (or with an id no catalog has) shows its English text.
func TestOldFailureStaysEnglish(t *testing.T) {
	f := newFixture(t)
	for _, key := range []string{"", "failure.no_such_sentence"} {
		r := cardStates()["card_failed"]
		r.FailureKey = key
		got := failedCard(t, f, r, "fr")
		for _, w := range []string{"Marketo has no role DC Agent (#12).", "role DC Agent not found"} {
			if !strings.Contains(got, w) {
				t.Errorf("key %q: French card lacks %q:\n%s", key, w, got)
			}
		}
	}
}
