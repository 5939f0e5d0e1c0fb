package commands

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot/slackbot"
	"github.com/chataccess/chataccess/integrations/adobe"
	"github.com/chataccess/chataccess/integrations/failure"
	"github.com/chataccess/chataccess/integrations/marketo"
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
		"user group named nowhere": {
			why: approvals.Say("x", "saga.group.no_such_group", map[string]string{"Group": `"Sales"`}),
			fr:  []string{"L’Admin Console n’a aucun groupe d’utilisateurs nommé \"Sales\"."},
			en:  []string{"The Admin Console has no user group named \"Sales\"."},
		},
		"admin group": {
			why: approvals.Say("x", "saga.group.admin_group", map[string]string{"Group": `"Admins"`}),
			fr:  []string{"\"Admins\" est un groupe d’administrateurs de l’Admin Console"},
			en:  []string{"\"Admins\" is an Admin Console admin group, not a user group."},
		},
		"no group port": {
			why: approvals.Say("x", "saga.group.no_port", nil),
			fr:  []string{"ce port de l’Admin Console ne peut pas modifier les groupes d’utilisateurs"},
			en:  []string{"this Admin Console port cannot change user groups"},
		},
		"group step details": {
			why:  approvals.Say("x", "saga.group.added", map[string]string{"Group": `"Sales"`, "Profiles": "DC Agent"}),
			step: approvals.Say("x", "saga.group.assigned", groupArgs()),
			fr: []string{"groupe d’utilisateurs \"Sales\"\u00a0: ajout de DC Agent",
				"rôle attribué à 3 des 5 membres\u202f; 1 l’a conservé (il détient l’accès autrement)\u202f; 1 pas encore dans Marketo (eve@example.org) sur l’instance Marketo \"eu\""},
			en: []string{"user group \"Sales\": added DC Agent",
				"role assigned to 3 of 5 members; 1 kept it (they hold the package another way); 1 not in Marketo yet (eve@example.org) on Marketo instance \"eu\""},
		},
		"group removed": {
			why:  approvals.Say("x", "saga.group.removed", map[string]string{"Group": `"Sales"`, "Profiles": "DC Agent"}),
			step: approvals.Say("x", "saga.group.removed_from", map[string]string{"Changed": "1", "Count": "1", "Kept": "", "Absent": "", "On": ""}),
			fr:   []string{"groupe d’utilisateurs \"Sales\"\u00a0: retrait de DC Agent", "rôle retiré à 1 membre sur 1"},
			en:   []string{"user group \"Sales\": removed DC Agent", "role removed from 1 of 1 member"},
		},
		"group dry runs": {
			why:  approvals.Say("x", "saga.group.dry_run_added", map[string]string{"Group": `"Sales"`, "Profiles": "DC Agent"}),
			step: approvals.Say("x", "saga.group.dry_run_roles", map[string]string{"On": ""}),
			fr:   []string{"essai à blanc\u00a0: Adobe a accepté de donner DC Agent au groupe d’utilisateurs \"Sales\"", "rôles Marketo des membres du groupe non modifiés"},
			en:   []string{"dry run: Adobe accepted giving user group \"Sales\" DC Agent (testOnly, nothing changed)", "dry run: Marketo roles of the group’s members not changed"},
		},
		"no seats": {
			why: approvals.Say("x", "explain.no_seats", map[string]string{"Package": "dc-agent", "Full": "x", "FullKey": "explain.seat_full",
				"Full.Profile": `"DC Agent"`, "Full.Used": "10", "Full.Quota": "10"}),
			fr: []string{"Pas assez de licences libres\u00a0: \"DC Agent\" (licences utilisées\u00a0: 10 sur 10), et l’accès dc-agent refuse"},
			en: []string{"Not enough seats: \"DC Agent\" has 10 of 10 seats used, and package dc-agent refuses"},
		},
		"unknown instance": {
			why: approvals.Say("x", "saga.no_instance", map[string]string{"Instance": `"eu"`}),
			fr:  []string{"aucune instance Marketo nommée \"eu\" n’est configurée pour les workers\u202f; ajoutez-la sous marketo.instances"},
			en:  []string{"no Marketo instance named \"eu\" is configured for the workers; add it under marketo.instances"},
		},
		"not in marketo": {
			why: approvals.Say("x", "saga.not_in_marketo.named", map[string]string{"User": "bob@example.org", "Package": "dc-agent", "Profile": `"Marketo Engage EU"`, "On": ""}),
			step: approvals.Say("x", "saga.not_in_marketo.unnamed", map[string]string{"User": "bob@example.org", "Package": "dc-agent",
				"On": "x", "OnKey": "saga.on_instance", "On.Instance": `"eu"`}),
			fr: []string{"bob@example.org n’est pas un utilisateur de Marketo, et l’accès dc-agent", "le profil de produit Marketo Engage \"Marketo Engage EU\" dans l’Admin Console",
				"bob@example.org n’est pas un utilisateur de Marketo sur l’instance Marketo \"eu\"", "Marketo Engage de l’abonnement"},
			en: []string{"bob@example.org is not a user of Marketo, and package dc-agent", "the Marketo Engage product profile \"Marketo Engage EU\" in the Admin Console",
				"the subscription’s Marketo Engage product profile"},
		},
		"marketo dry runs": {
			why:  approvals.Say("x", "saga.dry_run_assign", map[string]string{"Role": "DC Agent", "Workspace": "Default", "On": ""}),
			step: approvals.Say("x", "saga.dry_run_remove", map[string]string{"Role": "DC Agent", "Workspace": "Default", "On": ""}),
			fr:   []string{"essai à blanc\u00a0: DC Agent aurait été attribué dans Default", "essai à blanc\u00a0: DC Agent aurait été retiré dans Default"},
			en:   []string{"dry run: would assign DC Agent in Default", "dry run: would remove DC Agent in Default"},
		},
		"no marketo user": {
			why: approvals.Say("x", "saga.no_marketo_user", map[string]string{"On": ""}),
			fr:  []string{"aucun utilisateur Marketo avec cette adresse e-mail"},
			en:  []string{"no Marketo user with this email"},
		},
		"admin alert": {
			why: approvals.Say("x", "saga.alert_failed", map[string]string{"ID": "AR-1", "Kind": "add", "Package": "dc-agent", "User": "bob@example.org",
				"Why": "x", "WhyKey": "saga.package_gone", "Why.Package": "dc-agent"}),
			fr: []string{"AR-1 (add dc-agent pour bob@example.org) a échoué\u00a0: Le package dc-agent ne figure plus"},
			en: []string{"AR-1 (add dc-agent for bob@example.org) failed: The package dc-agent is no longer in the policy file."},
		},
		"role id names another role": {
			why:  sentenceOf(matchErr(vendormap.MatchRole([]marketo.Role{{ID: 5, Name: "DC Admin"}}, approvals.MarketoRef{ID: 5, Name: "DC Agent"}))),
			step: sentenceOf(matchErr(vendormap.MatchRole([]marketo.Role{{ID: 5, Name: "A"}, {ID: 6, Name: "a"}}, approvals.MarketoRef{Name: "A"}))),
			fr: []string{"Le rôle d’id 5 est nommé \"DC Admin\", pas \"DC Agent\"\u202f; corrigez le fichier de politique.",
				"2 rôles sont nommés \"A\" (ids 5, 6)\u202f; indiquez son id dans la politique\u202f; corrigez le fichier de politique."},
			en: []string{"Role id 5 is named \"DC Admin\", not \"DC Agent\"; fix the policy file.",
				"2 roles are named \"A\" (ids 5, 6); set its id in the policy; fix the policy file."},
		},
		"workspace by id": {
			why: sentenceOf(matchErr(vendormap.MatchWorkspace([]marketo.Workspace{{ID: 1, Name: "Default"}}, approvals.MarketoRef{ID: 9}))),
			fr:  []string{"Aucun espace de travail Marketo n’a l’id 9\u202f; corrigez le fichier de politique."},
			en:  []string{"No Marketo workspace has id 9; fix the policy file."},
		},
		"profile of the wrong kind": {
			why: sentenceOf(matchErr(vendormap.MatchProfile([]adobe.Group{{GroupName: "DC Agent", Type: "USER_GROUP"}}, approvals.ProductProfile{Name: "DC Agent"}))),
			step: sentenceOf(matchErr(vendormap.MatchProfile([]adobe.Group{{GroupName: "DC Agent", Type: adobe.GroupTypeProductProfile}, {GroupName: "DC Agent", Type: adobe.GroupTypeProductProfile}},
				approvals.ProductProfile{Name: "DC Agent"}))),
			fr: []string{"Le groupe de ce nom est un USER_GROUP, pas un profil de produit\u202f; corrigez le fichier de politique.",
				"2 profils de produit sont nommés \"DC Agent\"\u202f; corrigez"},
			en: []string{"The group of this name is a USER_GROUP, not a product profile; fix the policy file.",
				"2 product profiles are named \"DC Agent\"; fix the policy file."},
		},
		"role only in AllZones": {
			why: sentenceOf(vendormap.CheckAssignment(marketo.Role{ID: 7, Name: "Admin", OnlyAllZones: true}, marketo.Workspace{ID: 1, Name: "Default"})),
			fr:  []string{"Le rôle d’id 7 ne peut être attribué que dans " + marketo.AllZonesName + ", mais l’espace de travail de l’accès est Default\u202f; corrigez"},
			en:  []string{"Role id 7 can only be assigned in " + marketo.AllZonesName + ", but the package’s workspace is Default; fix the policy file."},
		},
		"unknown instance in the policy": {
			why: sentenceOf(&vendormap.MatchError{Kind: vendormap.KindInstance, Ref: `"eu"`, Problem: vendormap.ProblemNotFound, Detail: "x",
				DetailKey: "vendormap.no_instance", DetailArgs: map[string]string{"Instance": `"eu"`, "Known": "default"}}),
			fr: []string{"aucune instance Marketo nommée \"eu\" n’est configurée (instances connues\u00a0: default)"},
			en: []string{"no Marketo instance named \"eu\" is configured (known: default)"},
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

// groupArgs are the arguments of a group's Marketo step detail: three of
// five members changed, one kept the role, one not in Marketo, on the
// "eu" instance.
func groupArgs() map[string]string {
	args := map[string]string{"Changed": "3", "Count": "5", "On": "x", "OnKey": "saga.on_instance", "On.Instance": `"eu"`}
	approvals.Say("x", "saga.group.kept", map[string]string{"Count": "1"}).Nest("Kept", args)
	approvals.Say("x", "saga.group.absent", map[string]string{"Count": "1", "Emails": "eve@example.org"}).Nest("Absent", args)
	return args
}

// matchErr is the error of a vendormap match.
func matchErr[T any](_ T, err error) error { return err }

// TestGroupTargetInFrench: a user group refused by the vendor reads in
// the reader's language; the domain's own refusals stay English.
func TestGroupTargetInFrench(t *testing.T) {
	f := newFixture(t)
	fr := f.h.cat.Lang("fr")
	said := &approvals.GroupTargetError{Group: "Sales", Package: "dc-agent", Why: "The Admin Console has no user group named \"Sales\".",
		Key: "saga.group.no_such_group", Args: map[string]string{"Group": `"Sales"`}}
	if got, want := groupTargetText(fr, said).String(), "L’Admin Console n’a aucun groupe d’utilisateurs nommé \"Sales\"."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	plain := &approvals.GroupTargetError{Group: "", Package: "dc-agent", Why: "Name the user group."}
	if got := groupTargetText(fr, plain).String(); got != "Name the user group." {
		t.Errorf("got %q", got)
	}
}

// TestPreviewNotesInFrench: what could not be checked when the request
// was made (a Marketo instance unreachable, seats unreadable) reads in
// the card's language; a note from an older request keeps its English.
func TestPreviewNotesInFrench(t *testing.T) {
	f := newFixture(t)
	r := f.add("ULEAD", `add alice@example.com agent 30d "covering EMEA"`)
	r.Preview = &approvals.Preview{At: t0}
	timeout := &failure.Error{Vendor: "Adobe", Reason: failure.ReasonTimeout}
	r.Preview.AddNote(approvals.Say("The seats could not be read: "+failure.Human(timeout), "previewnote.seats_unreadable", sentenceOf(timeout).Nest("Cause", nil)))
	r.Preview.AddNote(approvals.Say(`Marketo instance "emea" is not configured here.`, "previewnote.no_instance", map[string]string{"Instance": "emea"}))
	fr := failedCard(t, f, r, "fr")
	for _, want := range []string{"Les licences n’ont pas pu être lues", "L’instance Marketo emea n’est pas configurée ici."} {
		if !strings.Contains(fr, want) {
			t.Errorf("French card lacks %q:\n%s", want, fr)
		}
	}
	old := *r
	old.Preview = &approvals.Preview{At: t0, Notes: []string{"An English note from before."}}
	if card := failedCard(t, f, &old, "fr"); !strings.Contains(card, "An English note from before.") {
		t.Errorf("older note lost:\n%s", card)
	}
}
