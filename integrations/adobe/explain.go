package adobe

import (
	"strings"

	"github.com/chataccess/chataccess/integrations/failure"
)

// opWhat says what an operation was doing, for sentences about waits.
var opWhat = map[string]string{
	opAction: "changing product profiles",
	opUser:   "reading the user",
	opUsers:  "listing users",
	opGroups: "listing product profiles",
	opToken:  "signing in to Adobe IMS",
}

// explain is Adobe's sentence for e (failure.Error.Explain). Sentences
// name only what e holds: a missing user or profile drops its clause
// instead of standing in a placeholder. "" falls back to failure's.
func explain(e *failure.Error) string {
	if s := explainCode(e); s != "" {
		return s
	}
	switch e.Reason {
	case failure.ReasonTimeout:
		what := opWhat[e.Op]
		if what != "" && e.User != "" {
			what += " for " + e.User
		}
		return e.TimeoutSentence(what)
	case failure.ReasonRateLimited:
		return "Adobe is rate limiting the bot; it will try again " + e.When() + "."
	case failure.ReasonUnavailable:
		return "The Adobe User Management API is not answering right now; the bot will try again."
	case failure.ReasonAuth:
		return "Adobe refused the bot's credentials; an admin must check ADOBE_CLIENT_ID, ADOBE_CLIENT_SECRET and ADOBE_ORG_ID."
	case failure.ReasonForbidden:
		return "Adobe refused the request (HTTP 403): the API key (ADOBE_CLIENT_ID) is missing or not allowed for this organization."
	case failure.ReasonNotFound:
		if e.Object != "" {
			return "Adobe cannot find the " + e.Object + "; check the package configuration."
		}
		if e.User != "" {
			return "Adobe has no user " + e.User + " in this organization."
		}
	case failure.ReasonConflict:
		if e.User != "" {
			return "Adobe says " + e.User + " already exists in a way that conflicts with this change."
		}
	case failure.ReasonMaintenance:
		return "The Adobe organization is being migrated and accepts no changes right now; the bot will try again " + e.When() + "."
	case failure.ReasonConfig:
		if e.Status == 404 && e.Op == opToken {
			return "Adobe IMS answered 404 Not Found for the token path, so ADOBE_IMS_URL is wrong: set it to " + DefaultIMSURL + "."
		}
		if e.Status == 404 {
			return "Adobe answered 404 Not Found for the User Management API path, so ADOBE_UMAPI_URL is wrong: set it to " +
				DefaultUMAPIURL + " (or Adobe's form " + DefaultUMAPIURL + umapiPath + ")."
		}
	case failure.ReasonInvalid:
		if e.Code == codeValidation {
			return "The bot built a request Adobe would refuse (" + e.Message + "); this is a bug to report."
		}
	}
	return ""
}

// explainCode has the sentences of codes a person can act on.
func explainCode(e *failure.Error) string {
	who, dom := e.User, domainOf(e.User)
	switch e.Code {
	case "error.domain.trust.nonexistent":
		if dom == "" {
			return "Adobe says the user's domain is not claimed by this organization, so it cannot change the account."
		}
		return "Adobe says the domain " + dom + " is not claimed by this organization, so it cannot change " + who + "."
	case "error.internal.create_failed":
		s := "Adobe could not create the account"
		if who != "" {
			s += " for " + who
		}
		s += " (error.internal.create_failed). This usually means the directory of "
		if dom != "" {
			s += "the domain " + dom
		} else {
			s += "the user's domain"
		}
		return s + " is not fully set up for this identity type (claimed or trusted domain, sign-in method): an admin must check Settings > Identity in the Admin Console."
	case "error.user.type_mismatch":
		if dom == "" {
			return "Adobe says the user has a different identity type (Enterprise vs Federated) than their domain allows."
		}
		return "Adobe says " + who + " has a different identity type (Enterprise vs Federated) than the domain " + dom + " allows."
	case "error.user.type_not_available":
		return "Adobe says this organization cannot create users of the configured identity type."
	case "error.user.domain_enforcement":
		return "Adobe blocks " + orThe(who, "the user") + " because of the organization's domain enforcement settings."
	case "error.user.belongs_to_another_org":
		return "Adobe says " + orThe(who, "the account") + " is owned by another organization and cannot be changed from here."
	case "error.user.not_in_org":
		if who != "" {
			return "Adobe says " + who + " is not a member of this organization."
		}
	case "error.group.not_found", "error.usergroup.not_found":
		if e.Object != "" {
			return "Adobe cannot find the " + e.Object + "; check the package configuration."
		}
		return "Adobe cannot find a product profile named in the request; check the package configuration."
	case "error.country.invalid":
		return "Adobe rejected the country code for the new user."
	case "error.user.email.invalid":
		if who != "" {
			return "Adobe says the email address " + who + " is not valid (at most 60 characters)."
		}
		return "Adobe says the email address is not valid (at most 60 characters)."
	case "error.update.adobeid.no":
		return "Adobe says " + orThe(who, "the account") + " is a personal Adobe ID, which the organization cannot edit."
	case "error.apikey.invalid":
		return "Adobe rejected the API key (ADOBE_CLIENT_ID)."
	case "error.organization.invalid_id", "error.organization.invalid":
		return "Adobe does not recognise the organization id (ADOBE_ORG_ID)."
	}
	return ""
}

// orThe is who, or the noun phrase dflt when who is empty.
func orThe(who, dflt string) string {
	if who != "" {
		return who
	}
	return dflt
}

// domainOf is the part after the last "@", or "" when there is none.
func domainOf(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 && i < len(email)-1 {
		return email[i+1:]
	}
	return ""
}
