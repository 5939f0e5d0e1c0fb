package reviewchat

import (
	"testing"

	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/reviews"
)

func TestViaLine(t *testing.T) {
	l := i18n.MustLoad().Lang("en")
	for _, tc := range []struct {
		it   reviews.Item
		want string
	}{
		{reviews.Item{}, ""},
		{reviews.Item{Via: []string{"EMEA Chat Agents"}, Inherited: true}, "Holds it only through user group EMEA Chat Agents"},
		{reviews.Item{Via: []string{"A", "B"}}, "Holds it directly and through user group A, B"},
		{reviews.Item{Inherited: true}, "Holds it only through a user group the Admin Console does not name"},
	} {
		got := ""
		if ls := viaLine(l, tc.it); len(ls) == 1 {
			got = ls[0].String()
		}
		if got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.it, got, tc.want)
		}
	}
}
