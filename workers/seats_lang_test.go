package workers

import (
	"strings"
	"testing"

	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/integrations/failure"
)

// TestSeatsListInEachLanguage: an add refused because several product
// profiles are full stores one sentence per profile, so the list reads
// in each reader's language (French separators and words included);
// the stored English is unchanged.
func TestSeatsListInEachLanguage(t *testing.T) {
	err := seatsError(&approvals.SeatsError{Package: "agent", Full: []approvals.SeatCount{
		{Profile: "Live Agent", Used: 10, Quota: 10}, {Profile: "EMEA", Used: 5, Quota: 5}, {Profile: "APAC", Used: 2, Quota: 2}}})
	key, args := failure.Sentence(err)
	if key != "explain.no_seats" {
		t.Fatalf("key %q", key)
	}
	cat := i18n.MustLoad()
	fr := cat.Lang("fr").Sentence(key, args, err.Error()).String()
	want := "\"Live Agent\" (licences utilisées\u00a0: 10 sur 10)\u202f; \"EMEA\" (licences utilisées\u00a0: 5 sur 5)\u202f; \"APAC\" (licences utilisées\u00a0: 2 sur 2)"
	if !strings.HasPrefix(fr, "Pas assez de licences libres\u00a0: "+want+", et l’accès agent") {
		t.Fatalf("French: %q", fr)
	}
	en := cat.Lang("en").Sentence(key, args, err.Error()).String()
	if !strings.Contains(en, `"Live Agent" has 10 of 10 seats used; "EMEA" has 5 of 5 seats used; "APAC" has 2 of 2 seats used`) {
		t.Fatalf("English: %q", en)
	}
	if !strings.Contains(err.Error(), `"EMEA" has 5 of 5 seats used`) {
		t.Fatalf("stored English: %q", err.Error())
	}
}
