package reviewchat

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/chataccess/chataccess/reviews"
)

// Action ids of review buttons. Every one starts with Prefix, so the chat
// front end routes a click to Handler when strings.HasPrefix(actionID,
// reviewchat.Prefix).
const (
	Prefix         = "review:"
	ActionKeep     = Prefix + "keep"
	ActionRevoke   = Prefix + "revoke"
	ActionKeepPage = Prefix + "keep_page"
	ActionPage     = Prefix + "page"
	ActionAdopt    = Prefix + "adopt"
	ActionRemove   = Prefix + "remove"
)

// Views of a campaign: a reviewer's pages ("r" + reviewer index), the
// drift report and the unassigned items, both for the admins.
const (
	ViewDrift      = "drift"
	ViewUnassigned = "unassigned"
	viewSummary    = "summary"
)

// ReviewerView names reviewer i's pages.
func ReviewerView(i int) string { return "r" + strconv.Itoa(i) }

// ErrBadValue says a button value is not one this package made.
var ErrBadValue = errors.New("review button value is malformed")

// Value is what a review button carries: the campaign, the view and
// page of the message it sits in, and the items it acts on.
type Value struct {
	Review string
	View   string
	Page   int
	Items  []int
}

// Limits of a value: a button value is at most 2000 characters
// (slack-teams-libraries.md §1.7); a page never lists more items.
const (
	maxValueLen   = 2000
	maxValueItems = 50
	maxPage       = 1_000_000
	maxItemIndex  = 1_000_000_000
)

var viewRE = regexp.MustCompile(`^(r[0-9]{1,6}|drift|unassigned)$`)

// String encodes the value as "R-12|r3|2|31,32,33".
func (v Value) String() string {
	var b strings.Builder
	b.WriteString(v.Review)
	b.WriteByte('|')
	b.WriteString(v.View)
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(v.Page))
	b.WriteByte('|')
	for i, n := range v.Items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// ParseValue reads a button value. It comes back from the chat platform
// and is outside input: everything is checked, nothing is trusted
// beyond "this names a campaign, a view, a page and some items";
// authorisation happens on the stored campaign.
func ParseValue(s string) (Value, error) {
	if len(s) > maxValueLen {
		return Value{}, fmt.Errorf("%w: %d bytes", ErrBadValue, len(s))
	}
	parts := strings.Split(s, "|")
	if len(parts) != 4 {
		return Value{}, fmt.Errorf("%w: want 4 fields", ErrBadValue)
	}
	id, err := reviews.ParseID(parts[0])
	if err != nil || id != parts[0] {
		return Value{}, fmt.Errorf("%w: review id", ErrBadValue)
	}
	if !viewRE.MatchString(parts[1]) {
		return Value{}, fmt.Errorf("%w: view", ErrBadValue)
	}
	page, err := smallInt(parts[2], maxPage)
	if err != nil {
		return Value{}, fmt.Errorf("%w: page", ErrBadValue)
	}
	v := Value{Review: id, View: parts[1], Page: page}
	if parts[3] == "" {
		return v, nil
	}
	items := strings.Split(parts[3], ",")
	if len(items) > maxValueItems {
		return Value{}, fmt.Errorf("%w: %d items", ErrBadValue, len(items))
	}
	for _, f := range items {
		n, err := smallInt(f, maxItemIndex)
		if err != nil || n == 0 {
			return Value{}, fmt.Errorf("%w: item", ErrBadValue)
		}
		v.Items = append(v.Items, n)
	}
	return v, nil
}

// smallInt parses a canonical non-negative decimal up to max.
func smallInt(s string, max int) (int, error) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, ErrBadValue
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, ErrBadValue
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > max {
		return 0, ErrBadValue
	}
	return n, nil
}

// reviewerOf returns the reviewer index of a reviewer view, or -1.
func reviewerOf(view string) int {
	if n, ok := strings.CutPrefix(view, "r"); ok {
		if i, err := strconv.Atoi(n); err == nil {
			return i
		}
	}
	return -1
}
