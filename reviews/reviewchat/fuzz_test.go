package reviewchat

import (
	"testing"
)

func TestParseValue(t *testing.T) {
	good := map[string]Value{
		"R-12|r3|2|31,32,33": {Review: "R-12", View: "r3", Page: 2, Items: []int{31, 32, 33}},
		"R-1|drift|0|":       {Review: "R-1", View: "drift"},
		"R-9|unassigned|1|5": {Review: "R-9", View: "unassigned", Page: 1, Items: []int{5}},
	}
	for in, want := range good {
		got, err := ParseValue(in)
		if err != nil || got.String() != want.String() {
			t.Errorf("ParseValue(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "R-12", "R-12|r3|2", "r-12|r3|2|1", "R-12|x|0|1", "R-12|r3|-1|1", "R-12|r3|01|1",
		"R-12|r3|0|0", "R-12|r3|0|1,", "R-12|r3|0|1,,2", "R-12|r3|0|+1", "R-12|r3|0|1|2", "R-12|r1234567|0|1", "R-12|r3|0|99999999999"} {
		if v, err := ParseValue(in); err == nil {
			t.Errorf("ParseValue(%q) = %+v, want error", in, v)
		}
	}
}

// FuzzParseValue: button values come back from the platform; any input
// either fails or yields a value that encodes back to the same string.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"R-12|r3|2|31,32,33", "R-1|drift|0|", "R-9|unassigned|1|5", "R-0|r|0|", "R-12|r3|0|1,,2", "\xff|r1|0|1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseValue(s)
		if err != nil {
			return
		}
		if v.String() != s {
			t.Fatalf("ParseValue(%q) = %+v, which encodes as %q", s, v, v.String())
		}
		if len(v.Items) > maxValueItems || v.Page > maxPage {
			t.Fatalf("limits broken: %+v", v)
		}
		for _, n := range v.Items {
			if n <= 0 || n > maxItemIndex {
				t.Fatalf("item %d", n)
			}
		}
	})
}
