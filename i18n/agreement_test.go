package i18n

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// wrongAgreement matches a count of 0 or 1 followed by a plural noun or
// verb, and a count of 2 or more followed by a singular one, in the
// messages checked by TestNumbersAgree.
var wrongAgreement = map[string]*regexp.Regexp{
	"fr": regexp.MustCompile(`\b[01] (approbations|conservés|révoqués|révisés|écarts|membres|étaient)\b|\b[01] non révisés|\b2 (membre|était)\b|chacun de ses [01]\b`),
	"en": regexp.MustCompile(`\b1 (drift|were|members|of them)\b|\ball [01] of them\b`),
}

// TestNumbersAgree: messages with a number before a noun read right for
// 0, 1 and 2 in every language, whether they are plural messages or
// worded to need no agreement.
func TestNumbersAgree(t *testing.T) {
	c := MustLoad()
	for _, lang := range []string{"en", "fr"} {
		l := c.Lang(lang)
		for _, n := range []int{0, 1, 2} {
			s := strconv.Itoa(n)
			for name, got := range map[string]string{
				"dm.vote": l.S("dm.vote", M{"Who": "Bob", "Request": "DC-1", "Got": n, "Need": 2}),
				"reviewpage.summary.fallback": l.S("reviewpage.summary.fallback",
					M{"ID": "AR-1", "Kept": n, "Revoked": n, "Unreviewed": n, "Drift": n}),
				"holdings.seats_bound": l.Sentence("holdings.seats_bound",
					map[string]string{"Count": s, "Cause": "x", "CauseKey": "adapter.done"}, "").String(),
				"reviewpage.click.kept_some": l.SN("reviewpage.click.kept_some", 2, M{"Skipped": n}),
			} {
				if m := wrongAgreement[lang].FindString(got); m != "" || !strings.Contains(got, s) {
					t.Errorf("%s %s with %d: %q (%q)", lang, name, n, got, m)
				}
			}
		}
	}
}

// noElision matches a package name (or review scope) right after a
// French word that would elide before a vowel (« de agent »): package
// names are not French words, so the messages say « l’accès {{.Package}} »
// or « pour {{.Package}} » instead.
var noElision = regexp.MustCompile(`(?i)(^|[\s\x{00A0}’(])(de|le|que|du|ce|je|ne|se|jusque|lorsque|puisque)[\s\x{00A0}` + "`" + `*_«]+\{\{\s*\.(Package|Packages|Scope)\s*\}\}`)

// TestFrenchNoElisionBeforePackages: no French message puts a package
// name where French would elide.
func TestFrenchNoElisionBeforePackages(t *testing.T) {
	c := MustLoad()
	for id, m := range c.msgs["fr"] {
		for _, f := range forms(m) {
			if loc := noElision.FindStringIndex(f); loc != nil {
				t.Errorf("fr %s: %q at %q", id, f, f[loc[0]:])
			}
		}
	}
}
