package reviews

import (
	"slices"
	"strings"
)

// FindingKind names one difference between the three ledgers: Admin
// Console profile members, Marketo role holders and the bot's grants.
type FindingKind string

// Drift findings.
const (
	// OutsideBot: in the Admin Console profile with no grant in the
	// ledger (access granted outside chataccess).
	OutsideBot FindingKind = "outside_bot"
	// MissingInAdobe: the ledger has a grant but the user is in none of
	// the package's Admin Console profiles.
	MissingInAdobe FindingKind = "missing_in_adobe"
	// ProfileWithoutRole: in the profile without the package's Marketo
	// role (Dynamic Chat will not let them in).
	ProfileWithoutRole FindingKind = "profile_without_role"
	// RoleWithoutProfile: holds the Marketo role without the profile.
	RoleWithoutProfile FindingKind = "role_without_profile"
	// MarketoAdmin: a Marketo admin, who has Dynamic Chat admin
	// implicitly whatever the profiles say.
	MarketoAdmin FindingKind = "marketo_admin"
)

// Suggestion is the suggested fix of the finding, for people.
func (k FindingKind) Suggestion() string {
	switch k {
	case OutsideBot:
		return "Adopt it into the ledger (then it is reviewed and expires like any grant) or open a remove request."
	case MissingInAdobe:
		return "The grant no longer matches the Admin Console: open a remove request to close it, or re-request the access."
	case ProfileWithoutRole:
		return "Assign the package's Marketo role in Marketo, or remove the Admin Console profile."
	case RoleWithoutProfile:
		return "Remove the Marketo role, or request the package so the profile is added."
	case MarketoAdmin:
		return "Marketo admins get Dynamic Chat admin implicitly; change their Marketo role in Marketo to change that."
	}
	return ""
}

// Label is the finding for people, short.
func (k FindingKind) Label() string {
	switch k {
	case OutsideBot:
		return "granted outside chataccess"
	case MissingInAdobe:
		return "missing from the Admin Console"
	case ProfileWithoutRole:
		return "profile without the Marketo role"
	case RoleWithoutProfile:
		return "Marketo role without the profile"
	case MarketoAdmin:
		return "Marketo admin (Dynamic Chat admin implicitly)"
	}
	return string(k)
}

// Set is a set of lower-case emails.
type Set map[string]bool

// NewSet builds a set, lower-casing and trimming each email.
func NewSet(emails ...string) Set {
	s := make(Set, len(emails))
	for _, e := range emails {
		s.Add(e)
	}
	return s
}

// Add puts an email in the set.
func (s Set) Add(email string) { s[strings.ToLower(strings.TrimSpace(email))] = true }

// Has reports whether the email is in the set.
func (s Set) Has(email string) bool { return s[strings.ToLower(strings.TrimSpace(email))] }

// Finding is one user's drift findings for one package.
type Finding struct {
	Email string
	Kinds []FindingKind
}

// Drift compares the three ledgers of one package and returns the users
// with findings, sorted by email. marketo nil means the Marketo side was
// not checked (no role configured, or Marketo could not be read): then
// no profile/role finding is made. admins are the Marketo admins; an
// admin is reported even when in none of the other sets.
func Drift(adobe, marketo, ledger, admins Set) []Finding {
	users := Set{}
	for _, s := range []Set{adobe, marketo, ledger, admins} {
		for e := range s {
			users[e] = true
		}
	}
	emails := make([]string, 0, len(users))
	for e := range users {
		emails = append(emails, e)
	}
	slices.Sort(emails)
	var out []Finding
	for _, e := range emails {
		where := presence{adobe: adobe[e], marketo: marketo[e], ledger: ledger[e], admin: admins[e], marketoChecked: marketo != nil}
		if kinds := where.findings(); len(kinds) > 0 {
			out = append(out, Finding{Email: e, Kinds: kinds})
		}
	}
	return out
}

// presence says where one user appears: in the Admin Console profile,
// holding the Marketo role, in the bot's grants, as a Marketo admin, and
// whether the Marketo side was read at all.
type presence struct {
	adobe, marketo, ledger, admin bool
	marketoChecked                bool
}

// findings returns the findings of one user given where they appear.
func (p presence) findings() []FindingKind {
	var k []FindingKind
	if p.adobe && !p.ledger {
		k = append(k, OutsideBot)
	}
	if p.ledger && !p.adobe {
		k = append(k, MissingInAdobe)
	}
	if p.marketoChecked && p.adobe && !p.marketo {
		k = append(k, ProfileWithoutRole)
	}
	if p.marketoChecked && p.marketo && !p.adobe {
		k = append(k, RoleWithoutProfile)
	}
	if p.admin {
		k = append(k, MarketoAdmin)
	}
	return k
}
