package adobe

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/failure"
)

// TestEveryDocumentedUMAPICode has one row per code and result key in
// umapi-doc:docs/en/api/ErrorRef.md and ActionsRef.md, with the class the
// workers act on. The rows are written out here, not derived from the
// code table, so a change to the table shows up as a failing row.
func TestEveryDocumentedUMAPICode(t *testing.T) {
	P, T, R, U := failure.Permanent, failure.Transient, failure.RateLimited, failure.Unknown
	rows := []struct {
		code  string
		class failure.Class
	}{
		{"error.user.not_found", P}, {"error.user.not_in_org", P}, {"error.user.nonexistent", P},
		{"error.user.nonexistent_or_has_conflicting_parameters", P}, {"error.user.already_in_org", P},
		{"error.user.already_invited", P}, {"error.user.must_match_email", P}, {"error.user.type_must_not_be_adobeid", P},
		{"error.user.type_unknown", U}, {"error.user.type_not_available", P}, {"error.user.not_found_or_ambiguous", P},
		{"error.user.name.invalid", P}, {"error.user.user_list.invalid", P}, {"error.user.type.missing", U},
		{"error.user.email.invalid", P}, {"error.user.belongs_to_another_org", P}, {"error.user.type_mismatch", P},
		{"error.user.change_domain_update.no", P}, {"error.user.id_missing", P}, {"error.user.firstname_missing", P},
		{"error.user.lastname_missing", P}, {"error.user.name_in_use", P}, {"error.user.email.name_in_use", P},
		{"error.user.name.contains.email", P}, {"error.user.update_failed", U}, {"error.user.already_exists", P},
		{"error.user.command.missing.arguments", P}, {"error.user.productadmin.group.not_found", P},
		{"error.user.productadmin.add.user.failed", U}, {"error.user.productadmin.remove.admin.failed", U},
		{"error.command.add_remove.list", P}, {"error.command.add_remove.duplicate.user_list", P},
		{"error.command.add_remove.duplicate.product_list", P}, {"error.command.add_remove.duplicate.group_list", P},
		{"error.command.add_remove.duplicate.usergroup_list", P}, {"error.command.add_remove.duplicate.productadmin_list", P},
		{"error.command.add_remove.invalid.usergroup_list", P}, {"error.command.product.not_found", P},
		{"error.usergroup.already_exists", P}, {"error.command.add_remove.key.unknown", P},
		{"error.command.add_remove.user_usergroup.missing", P}, {"error.command.add_remove.missing_list", P},
		{"error.command.add_remove.list_too_long", P}, {"error.command.add_remove.list_not_array", P},
		{"error.command.add_remove.group_or_product_name_too_long", P}, {"error.command.boolean_expected", P},
		{"error.command.create.object_expected", P}, {"error.command.create.string_expected", P},
		{"error.command.create.more_than_one", P}, {"error.command.create.not_first", P},
		{"error.command.create.key.unknown", P}, {"error.command.update.option.no", P},
		{"error.command.domain.missing", P}, {"error.command.domain.must_be_used_with_nonemail_username", P},
		{"error.domain.trust.nonexistent", P}, {"error.command.domain.string_expected", P},
		{"error.command.string.too_long", P}, {"error.command.string_expected", P},
		{"error.command.removefromorg.not_last", P}, {"error.command.illegal_entry", P}, {"error.command.step.unknown", P},
		{"error.command.object_not_empty", P}, {"error.command.malformed", P}, {"error.command.steps.malformed", P},
		{"error.command.user.missing", P}, {"error.command.user_usergroup.missing", P},
		{"error.usergroup.not_found", P}, {"error.usergroup.user_list.invalid", P}, {"error.usergroup.update.failed", U},
		{"error.usergroup.command.missing.arguments", P}, {"error.country.invalid", P},
		{"error.organization.invalid_id", P}, {"error.organization.invalid_name", P}, {"error.organization.invalid", P},
		{"error.organization.migrating", R},
		{"error.group.not_found", P}, {"error.group.invalid_list", P}, {"error.group.invalid_name", P},
		{"error.option.illegal", P}, {"error.api.not_available", T}, {"error.api.user.not.parent.org", P},
		{"error.update.no", P}, {"error.update.domain.mismatch", P}, {"error.update.username.no", P},
		{"error.update.country.no_update", P}, {"error.apikey.invalid", P},
		{"error.internal.create_failed", P}, {"error.internal.update_failed", U}, {"error.internal.removefromorg", U},
		{"error.internal.add", U}, {"error.internal.group.remove", U}, {"error.internal.exceptionflys", U},
		{"error.internal.everybody_group.not_found", U},
		{"plc.not_found", P}, {"plc.admin.group.not_found", P}, {"plc.admin.already_added", P},
		{"plc.add.admin.error", U}, {"plc.remove.admin.error", U},
		{"error.productadmin.add.user.failed", U}, {"error.productadmin.remove.admin.failed", U},
		{"error.update.adobeid.no", P}, {"error.throttled_by_external_service", R},
		{"error.developer.add_user.failed", U}, {"error.developer.remove_user.failed", U},
		{"error.user.domain_enforcement", P}, {"error.usergroup.exceeds_maximum_member_count", P},
		// Families and codes nobody documents.
		{"error.usergroup.readonly.shared", P},
		{"error.internal.something_new", U}, {"error.brand_new_code", U}, {"", U},
	}
	seen := map[string]bool{}
	for _, tt := range rows {
		seen[tt.code] = true
		e := newError(opAction, reasonForCode(tt.code))
		e.Code, e.User = tt.code, "alice@example.com"
		if got := e.Class(); got != tt.class {
			t.Errorf("%s: %s (reason %s), want %s", tt.code, got, e.Reason, tt.class)
		}
		if h := e.Human(); h == "" || strings.Contains(h, "the user in") || strings.Contains(h, "%") {
			t.Errorf("%s: Human() = %q", tt.code, h)
		}
	}
	for _, c := range DocumentedCodes() {
		if !seen[c] {
			t.Errorf("%s is in the code table but has no test row", c)
		}
	}
}

// TestStatusWithoutCode: the HTTP statuses UMAPI documents, and others.
func TestStatusWithoutCode(t *testing.T) {
	c, err := New(Config{OrgID: "o@AdobeOrg", ClientID: "id", ClientSecret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		status int
		reason failure.Reason
	}{
		{400, failure.ReasonInvalid}, {401, failure.ReasonAuth}, {403, failure.ReasonForbidden},
		{404, failure.ReasonConfig}, {408, failure.ReasonUnavailable}, {429, failure.ReasonRateLimited},
		{500, failure.ReasonUnavailable}, {502, failure.ReasonUnavailable}, {503, failure.ReasonUnavailable},
		{504, failure.ReasonUnavailable}, {405, failure.ReasonUnknown}, {409, failure.ReasonUnknown}, {418, failure.ReasonUnknown},
	} {
		e := c.umapiError(call{op: opUser, user: "a@x.com"}, &response{status: tt.status, header: http.Header{}}, 1)
		if e.Reason != tt.reason {
			t.Errorf("HTTP %d: %s, want %s", tt.status, e.Reason, tt.reason)
		}
	}
	// A 404 is "no such user" only when UMAPI's body says so.
	notFound := &response{status: 404, header: http.Header{}, body: []byte(`{"result":"error.user.not_found","message":"User not found a@x.com"}`)}
	if e := c.umapiError(call{op: opUser, user: "a@x.com"}, notFound, 1); e.Reason != failure.ReasonNotFound ||
		e.Human() != "Adobe has no user a@x.com in this organization." {
		t.Errorf("user 404: %s %q", e.Reason, e.Human())
	}
	other := &response{status: 404, header: http.Header{}, body: []byte(`{"result":"error.api.not_available"}`)}
	if e := c.umapiError(call{op: opAction}, other, 1); e.Reason != failure.ReasonConfig || !strings.Contains(e.Human(), "ADOBE_UMAPI_URL") {
		t.Errorf("other 404: %s %q", e.Reason, e.Human())
	}
}

func TestRetryAfterCapAndDefault(t *testing.T) {
	c, err := New(Config{OrgID: "o@AdobeOrg", ClientID: "id", ClientSecret: "x", MaxRetryAfter: time.Hour, DefaultRetryAfter: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		status     int
		h          string
		min, max   time.Duration
		wantCapped bool
	}{
		{"honoured", 429, "38", 38 * time.Second, 38 * time.Second, false},
		{"capped", 429, "86401", time.Hour, time.Hour, true},
		{"absurd", 429, "999999999999", time.Hour, time.Hour, true},
		{"negative", 429, "-3", 0, 0, false},
		{"missing on 429 uses umapi-client backoff", 429, "", 15 * time.Second, 20 * time.Second, false},
		{"missing on 503 leaves it to backoff", 503, "", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &failure.Error{Status: tt.status, Reason: reasonForStatus(tt.status)}
			c.setRetryAfter(e, tt.h, 1)
			if e.RetryAfter < tt.min || e.RetryAfter > tt.max || e.RetryAfterCapped != tt.wantCapped {
				t.Errorf("RetryAfter = %v capped=%v; want [%v,%v] capped=%v", e.RetryAfter, e.RetryAfterCapped, tt.min, tt.max, tt.wantCapped)
			}
		})
	}
}

func TestUMAPIURLForms(t *testing.T) {
	for in, want := range map[string]string{
		"https://usermanagement.adobe.io":                     "https://usermanagement.adobe.io",
		"https://usermanagement.adobe.io/":                    "https://usermanagement.adobe.io",
		"https://usermanagement.adobe.io/v2/usermanagement":   "https://usermanagement.adobe.io",
		"https://usermanagement.adobe.io/v2/usermanagement/":  "https://usermanagement.adobe.io",
		" https://usermanagement.adobe.io/V2/UserManagement ": "https://usermanagement.adobe.io",
		"http://proxy.internal/adobe/v2/usermanagement":       "http://proxy.internal/adobe",
		"http://proxy.internal/adobe":                         "http://proxy.internal/adobe",
	} {
		if got := NormalizeUMAPIURL(in); got != want {
			t.Errorf("NormalizeUMAPIURL(%q) = %q, want %q", in, got, want)
		}
	}
	cfg := Config{IMSURL: "https://ims-na1.adobelogin.com/ims/token/v2", OrgID: "o@AdobeOrg", ClientID: "id", ClientSecret: "x"}.withDefaults()
	if cfg.IMSURL != DefaultIMSURL || cfg.TokenPath != "/ims/token/v2" {
		t.Errorf("full IMS token URL gave %q + %q", cfg.IMSURL, cfg.TokenPath)
	}
}
