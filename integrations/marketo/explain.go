package marketo

import (
	"strings"

	"github.com/chataccess/chataccess/integrations/failure"
)

// explain is Marketo's sentence for e (failure.Error.Explain). It names
// only what e holds; "" falls back to failure's sentence.
func explain(e *failure.Error) string {
	again := ""
	if e.Retryable() && e.RetryAfter > 0 {
		again = " chataccess will try again " + e.When() + "."
	} else if e.Retryable() {
		again = " chataccess will try again."
	}
	switch e.Reason {
	case failure.ReasonRateLimited:
		return "Marketo is busy: the API call limit shared by every integration on this instance was reached." + again
	case failure.ReasonUnavailable:
		return "Marketo did not answer properly (it may be down or slow)." + again
	case failure.ReasonTimeout:
		what := e.Op
		if e.User != "" {
			what += " " + e.User
		}
		return e.TimeoutSentence(what)
	case failure.ReasonQuota:
		return "The Marketo daily API quota is used up; it resets at midnight US Central time." + again
	case failure.ReasonAuth:
		return "chataccess could not sign in to Marketo: check the LaunchPoint client id and secret of the API-only user (MARKETO_CLIENT_ID, MARKETO_CLIENT_SECRET)."
	case failure.ReasonForbidden:
		return "Marketo refused the call: the API-only user's role needs the permissions \"Access Users\" and \"Access User Management Api\", and the IP allowlist must let chataccess in."
	case failure.ReasonConfig:
		return "Marketo answered \"not found\" for one of its own endpoints (" + e.Op + "), so MARKETO_BASE_URL is wrong: it must be the instance host, https://<munchkin-id>.mktorest.com, without /rest or /identity."
	case failure.ReasonNotFound:
		return notFoundSentence(e)
	case failure.ReasonInvalid:
		if e.Message != "" {
			return "Marketo refused the change: " + strings.TrimRight(e.Message, ". ") + "."
		}
		return "Marketo refused the change as invalid."
	}
	return ""
}

func notFoundSentence(e *failure.Error) string {
	switch {
	case e.User != "" && e.Object == "" && opUser(e.Op):
		return "Marketo has no user " + e.User + " (yet): a user added in the Adobe Admin Console can take a while to appear in Marketo."
	case e.User != "" && e.Object != "":
		return "Marketo could not find " + e.Object + " for " + e.User + "."
	case e.Object != "":
		return "Marketo could not find " + e.Object + "."
	case e.User != "":
		return "Marketo could not find the user " + e.User + "."
	}
	return "Marketo could not find what chataccess asked for."
}
