package adobe

import "github.com/chataccess/chataccess/integrations/failure"

// opKeys are the message ids of opWhat's phrases.
var opKeys = map[string]string{
	opAction: "adobe.doing.action",
	opUser:   "adobe.doing.user",
	opUsers:  "adobe.doing.users",
	opGroups: "adobe.doing.groups",
	opToken:  "adobe.doing.token",
}

// phrase is explain's sentence as a message id and its arguments
// (failure.Error.Phrase); "" for the sentences that have none yet, which
// readers then see in English.
func phrase(e *failure.Error) (string, map[string]string) {
	a := e.Args()
	if k := phraseCode(e, a); k != "" {
		return k, a
	}
	switch e.Reason {
	case failure.ReasonTimeout:
		if what := opWhat[e.Op]; what != "" && e.User != "" {
			k, a := e.TimeoutKey(what+" for "+e.User, "adobe.doing.for_user")
			a["What.Doing"], a["What.User"] = what, e.User
			if dk := opKeys[e.Op]; dk != "" {
				a["What.DoingKey"] = dk
			}
			return k, a
		}
		return e.TimeoutKey(opWhat[e.Op], opKeys[e.Op])
	case failure.ReasonRateLimited:
		return "adobe.rate_limited", e.WhenArgs(a)
	case failure.ReasonUnavailable:
		return "adobe.unavailable", a
	case failure.ReasonAuth:
		return "adobe.auth", a
	case failure.ReasonForbidden:
		return "adobe.forbidden", a
	case failure.ReasonNotFound:
		if e.Object != "" {
			return "adobe.not_found.object", a
		}
		if e.User != "" {
			return "adobe.not_found.user", a
		}
	case failure.ReasonMaintenance:
		return "adobe.maintenance", e.WhenArgs(a)
	case failure.ReasonConflict:
		if e.User != "" {
			return "adobe.conflict_user", a
		}
	case failure.ReasonConfig:
		if e.Status == 404 && e.Op == opToken {
			a["URL"] = DefaultIMSURL
			return "adobe.ims_url", a
		}
		if e.Status == 404 {
			a["URL"], a["Form"] = DefaultUMAPIURL, DefaultUMAPIURL+umapiPath
			return "adobe.umapi_url", a
		}
	case failure.ReasonInvalid:
		if e.Code == codeValidation {
			return "adobe.validation_bug", a
		}
	}
	return "", nil
}

// named is plain when who is empty, else the id naming them.
func named(who, plain, withWho string) string {
	if who == "" {
		return plain
	}
	return withWho
}

// phraseCode is the id of explainCode's sentence, filling a.
func phraseCode(e *failure.Error, a map[string]string) string {
	who, dom := e.User, domainOf(e.User)
	a["Domain"] = dom
	switch e.Code {
	case "error.domain.trust.nonexistent":
		if dom == "" {
			return "adobe.domain_not_claimed.plain"
		}
		return "adobe.domain_not_claimed.named"
	case "error.internal.create_failed":
		if who != "" && dom != "" {
			return "adobe.create_failed.named"
		}
		return "adobe.create_failed.plain"
	case "error.group.not_found", "error.usergroup.not_found":
		if e.Object != "" {
			return "adobe.not_found.object"
		}
		return "adobe.profile_not_found"
	case "error.user.not_in_org":
		if who != "" {
			return "adobe.not_in_org"
		}
	case "error.user.type_mismatch":
		if dom == "" {
			return "adobe.type_mismatch.plain"
		}
		return "adobe.type_mismatch.named"
	case "error.user.type_not_available":
		return "adobe.type_not_available"
	case "error.user.domain_enforcement":
		return named(who, "adobe.domain_enforcement.plain", "adobe.domain_enforcement.named")
	case "error.user.belongs_to_another_org":
		return named(who, "adobe.other_org.plain", "adobe.other_org.named")
	case "error.country.invalid":
		return "adobe.country_invalid"
	case "error.user.email.invalid":
		return named(who, "adobe.email_invalid.plain", "adobe.email_invalid.named")
	case "error.update.adobeid.no":
		return named(who, "adobe.personal_id.plain", "adobe.personal_id.named")
	case "error.apikey.invalid":
		return "adobe.apikey_invalid"
	case "error.organization.invalid_id", "error.organization.invalid":
		return "adobe.org_invalid"
	}
	return ""
}
