package adobe

import (
	"net/http"
	"strings"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
)

// Vendor is the name failures carry (failure.Error.Vendor).
const Vendor = "Adobe"

// orgMigratingDelay is how long to wait before retrying a migrating org;
// Adobe gives no figure (umapi-doc:docs/en/api/ErrorRef.md), so it is a guess.
const orgMigratingDelay = 30 * time.Minute

// codeReasons sorts every error code and result key UMAPI documents
// (umapi-doc:docs/en/api/ErrorRef.md, ActionsRef.md "result" values) into
// a failure.Reason. Codes not listed here are ReasonUnknown.
//
// error.internal.create_failed is documented as "failed for unknown
// reason"; in the field it answers an add of a Federated or Enterprise ID
// whose domain's directory is not (fully) set up in the Admin Console, so
// it is a setup problem (failure.ReasonConfig), not an outage. The other
// error.internal.* codes and the "(internal)" user codes stay unknown:
// a few tries, then a person.
var codeReasons = map[string]failure.Reason{
	// The user, group or profile named does not exist.
	"error.user.not_found": failure.ReasonNotFound, "error.user.nonexistent": failure.ReasonNotFound,
	"error.user.nonexistent_or_has_conflicting_parameters": failure.ReasonNotFound,
	"error.user.not_in_org":                                failure.ReasonNotFound,
	"error.group.not_found":                                failure.ReasonNotFound, "error.usergroup.not_found": failure.ReasonNotFound,
	"error.command.product.not_found": failure.ReasonNotFound, "error.user.productadmin.group.not_found": failure.ReasonNotFound,
	"plc.not_found": failure.ReasonNotFound, "plc.admin.group.not_found": failure.ReasonNotFound,

	// The account exists, elsewhere or already.
	"error.user.already_in_org": failure.ReasonConflict, "error.user.already_invited": failure.ReasonConflict,
	"error.user.belongs_to_another_org": failure.ReasonConflict, "error.user.name_in_use": failure.ReasonConflict,
	"error.user.email.name_in_use": failure.ReasonConflict, "error.usergroup.already_exists": failure.ReasonConflict,
	"error.user.already_exists": failure.ReasonConflict, "error.user.not_found_or_ambiguous": failure.ReasonConflict,
	"plc.admin.already_added": failure.ReasonConflict,

	// Refused by a documented rule: fix the request, the policy or the org.
	"error.user.must_match_email": failure.ReasonInvalid, "error.user.type_must_not_be_adobeid": failure.ReasonInvalid,
	"error.user.type_not_available": failure.ReasonInvalid, "error.user.name.invalid": failure.ReasonInvalid,
	"error.user.user_list.invalid": failure.ReasonInvalid, "error.user.email.invalid": failure.ReasonInvalid,
	"error.user.type_mismatch": failure.ReasonInvalid, "error.user.change_domain_update.no": failure.ReasonInvalid,
	"error.user.id_missing": failure.ReasonInvalid, "error.user.firstname_missing": failure.ReasonInvalid,
	"error.user.lastname_missing": failure.ReasonInvalid, "error.user.name.contains.email": failure.ReasonInvalid,
	"error.user.command.missing.arguments": failure.ReasonInvalid, "error.user.domain_enforcement": failure.ReasonInvalid,
	"error.domain.trust.nonexistent": failure.ReasonInvalid, "error.country.invalid": failure.ReasonInvalid,
	"error.group.invalid_list": failure.ReasonInvalid, "error.group.invalid_name": failure.ReasonInvalid,
	"error.option.illegal": failure.ReasonInvalid, "error.update.no": failure.ReasonInvalid,
	"error.update.domain.mismatch": failure.ReasonInvalid, "error.update.username.no": failure.ReasonInvalid,
	"error.update.country.no_update": failure.ReasonInvalid, "error.update.adobeid.no": failure.ReasonInvalid,
	"error.usergroup.user_list.invalid": failure.ReasonInvalid, "error.usergroup.command.missing.arguments": failure.ReasonInvalid,
	"error.usergroup.exceeds_maximum_member_count": failure.ReasonInvalid,

	// The command's JSON or step order is wrong (a bug on our side).
	"error.command.add_remove.list": failure.ReasonInvalid, "error.command.add_remove.duplicate.user_list": failure.ReasonInvalid,
	"error.command.add_remove.duplicate.product_list":         failure.ReasonInvalid,
	"error.command.add_remove.duplicate.group_list":           failure.ReasonInvalid,
	"error.command.add_remove.duplicate.usergroup_list":       failure.ReasonInvalid,
	"error.command.add_remove.duplicate.productadmin_list":    failure.ReasonInvalid,
	"error.command.add_remove.invalid.usergroup_list":         failure.ReasonInvalid,
	"error.command.add_remove.key.unknown":                    failure.ReasonInvalid,
	"error.command.add_remove.user_usergroup.missing":         failure.ReasonInvalid,
	"error.command.add_remove.missing_list":                   failure.ReasonInvalid,
	"error.command.add_remove.list_too_long":                  failure.ReasonInvalid,
	"error.command.add_remove.list_not_array":                 failure.ReasonInvalid,
	"error.command.add_remove.group_or_product_name_too_long": failure.ReasonInvalid,
	"error.command.boolean_expected":                          failure.ReasonInvalid, "error.command.create.object_expected": failure.ReasonInvalid,
	"error.command.create.string_expected": failure.ReasonInvalid, "error.command.create.more_than_one": failure.ReasonInvalid,
	"error.command.create.not_first": failure.ReasonInvalid, "error.command.create.key.unknown": failure.ReasonInvalid,
	"error.command.update.option.no": failure.ReasonInvalid, "error.command.domain.missing": failure.ReasonInvalid,
	"error.command.domain.must_be_used_with_nonemail_username": failure.ReasonInvalid,
	"error.command.domain.string_expected":                     failure.ReasonInvalid,
	"error.command.string.too_long":                            failure.ReasonInvalid, "error.command.string_expected": failure.ReasonInvalid,
	"error.command.removefromorg.not_last": failure.ReasonInvalid, "error.command.illegal_entry": failure.ReasonInvalid,
	"error.command.step.unknown": failure.ReasonInvalid, "error.command.object_not_empty": failure.ReasonInvalid,
	"error.command.malformed": failure.ReasonInvalid, "error.command.steps.malformed": failure.ReasonInvalid,
	"error.command.user.missing": failure.ReasonInvalid, "error.command.user_usergroup.missing": failure.ReasonInvalid,

	// The credential or the org id is wrong, or not allowed.
	"error.organization.invalid_id": failure.ReasonAuth, "error.organization.invalid_name": failure.ReasonAuth,
	"error.organization.invalid": failure.ReasonAuth,
	"error.apikey.invalid":       failure.ReasonForbidden, "error.api.user.not.parent.org": failure.ReasonForbidden,

	// Come back later.
	"error.organization.migrating":        failure.ReasonMaintenance,
	"error.throttled_by_external_service": failure.ReasonRateLimited,
	"error.api.not_available":             failure.ReasonUnavailable,

	// Setup, not outage (see above).
	"error.internal.create_failed": failure.ReasonConfig,

	// Documented as unknown server failures: bounded tries.
	"error.internal.update_failed": failure.ReasonUnknown, "error.internal.removefromorg": failure.ReasonUnknown,
	"error.internal.add": failure.ReasonUnknown, "error.internal.group.remove": failure.ReasonUnknown,
	"error.internal.exceptionflys": failure.ReasonUnknown, "error.internal.everybody_group.not_found": failure.ReasonUnknown,
	"error.user.type_unknown": failure.ReasonUnknown, "error.user.type.missing": failure.ReasonUnknown,
	"error.user.update_failed": failure.ReasonUnknown, "error.usergroup.update.failed": failure.ReasonUnknown,
	"error.user.productadmin.add.user.failed": failure.ReasonUnknown, "error.user.productadmin.remove.admin.failed": failure.ReasonUnknown,
	"error.productadmin.add.user.failed": failure.ReasonUnknown, "error.productadmin.remove.admin.failed": failure.ReasonUnknown,
	"plc.add.admin.error": failure.ReasonUnknown, "plc.remove.admin.error": failure.ReasonUnknown,
	"error.developer.add_user.failed": failure.ReasonUnknown, "error.developer.remove_user.failed": failure.ReasonUnknown,
}

// DocumentedCodes lists every code codeReasons knows, for tests and docs.
func DocumentedCodes() []string {
	out := make([]string, 0, len(codeReasons))
	for c := range codeReasons {
		out = append(out, c)
	}
	return out
}

// reasonForCode maps a UMAPI errorCode or result key. The read-only
// shared user group codes error.usergroup.readonly.* (ErrorRef.md lists
// the family) are forbidden; anything undocumented is unknown.
func reasonForCode(code string) failure.Reason {
	if r, ok := codeReasons[code]; ok {
		return r
	}
	if strings.HasPrefix(code, "error.usergroup.readonly.") {
		return failure.ReasonForbidden
	}
	return failure.ReasonUnknown
}

// reasonForStatus maps an HTTP status without a documented body code
// (umapi-doc partials/unauthorized.md, forbidden.md, throttling.md,
// badRequest.md; umapi-client retries 429/502/503/504). A 404 is decided
// by the caller, who knows whether the path names a user or a group.
// Statuses Adobe does not document are unknown.
func reasonForStatus(status int) failure.Reason {
	switch {
	case status == http.StatusTooManyRequests:
		return failure.ReasonRateLimited
	case status == http.StatusUnauthorized:
		return failure.ReasonAuth
	case status == http.StatusForbidden:
		return failure.ReasonForbidden
	case status == http.StatusBadRequest:
		return failure.ReasonInvalid
	case status == http.StatusNotFound:
		return failure.ReasonConfig
	case status == http.StatusRequestTimeout || status >= 500:
		return failure.ReasonUnavailable
	}
	return failure.ReasonUnknown
}

// newError is a failure of op with Adobe's sentences.
func newError(op string, r failure.Reason) *failure.Error {
	return &failure.Error{Vendor: Vendor, Op: op, Reason: r, Explain: explain, Phrase: phrase}
}

// profilesObject renders groups as the Object of an error.
func profilesObject(groups []string) string {
	switch len(groups) {
	case 0:
		return ""
	case 1:
		return "product profile " + failure.QuoteList(groups)
	}
	return "product profiles " + failure.QuoteList(groups)
}
