package marketo

import (
	"strings"

	"github.com/chataccess/chataccess/integrations/failure"
)

// phrase is explain's sentence as a message id and its arguments
// (failure.Error.Phrase); "" for a sentence that has none, which readers
// then see in English.
func phrase(e *failure.Error) (string, map[string]string) {
	a := e.Args()
	switch {
	case e.Retryable() && e.RetryAfter > 0:
		a["Again"], a["AgainKey"] = " chataccess will try again "+e.When()+".", "marketo.again.when"
		for k, v := range e.WhenArgs(map[string]string{}) {
			a["Again."+k] = v
		}
	case e.Retryable():
		a["Again"], a["AgainKey"] = " chataccess will try again.", "marketo.again.plain"
	default:
		a["Again"] = ""
	}
	switch e.Reason {
	case failure.ReasonRateLimited:
		return "marketo.rate_limited", a
	case failure.ReasonUnavailable:
		return "marketo.unavailable", a
	case failure.ReasonQuota:
		return "marketo.quota", a
	case failure.ReasonAuth:
		return "marketo.auth", a
	case failure.ReasonForbidden:
		return "marketo.forbidden", a
	case failure.ReasonConfig:
		a["Op"] = e.Op
		return "marketo.base_url", a
	case failure.ReasonNotFound:
		switch {
		case e.User != "" && e.Object == "" && opUser(e.Op):
			return "marketo.no_user_yet", a
		case e.User != "" && e.Object != "":
			return "marketo.not_found.object_user", a
		case e.Object != "":
			return "marketo.not_found.object", a
		case e.User != "":
			return "marketo.not_found.user", a
		}
		return "marketo.not_found.nothing", a
	case failure.ReasonInvalid:
		if e.Message != "" {
			a["Message"] = strings.TrimRight(e.Message, ". ")
			return "marketo.invalid.message", a
		}
		return "marketo.invalid.plain", a
	}
	return "", nil
}
