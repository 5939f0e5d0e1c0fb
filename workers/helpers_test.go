package workers_test

import (
	"strconv"
	"testing"

	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
	"github.com/chataccess/chataccess/store"
	"github.com/chataccess/chataccess/workers"
)

type (
	marketofakeAssignment = marketofake.Assignment
	storeEntry            = store.AuditEntry
)

func itoa(n int) string { return strconv.Itoa(n) }

func TestNamesFromEmail(t *testing.T) {
	for _, tc := range []struct{ email, first, last, wantFirst, wantLast string }{
		{"alice.smith@example.com", "", "", "Alice", "Smith"},
		{"alice@example.com", "", "", "Alice", "Alice"},
		{"mary.ann.lee@example.com", "", "", "Mary", "Ann Lee"},
		{"bob_jones@example.com", "Robert", "", "Robert", "Jones"},
		{"x@example.com", "Known", "Name", "Known", "Name"},
	} {
		f, l := workers.NamesFromEmail(tc.email, tc.first, tc.last)
		if f != tc.wantFirst || l != tc.wantLast {
			t.Errorf("NamesFromEmail(%q) = %q %q, want %q %q", tc.email, f, l, tc.wantFirst, tc.wantLast)
		}
	}
}
