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
		if e.User != "" {
			return "", nil
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
	}
	return "", nil
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
	case "error.apikey.invalid":
		return "adobe.apikey_invalid"
	case "error.organization.invalid_id", "error.organization.invalid":
		return "adobe.org_invalid"
	}
	return ""
}
