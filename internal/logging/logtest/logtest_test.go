package logtest_test

import (
	"slices"
	"testing"

	"github.com/rs/zerolog"

	"github.com/chataccess/chataccess/internal/logging/logtest"
)

func TestRepeatedKeys(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
		bad  bool
	}{
		{line: `{"level":"info","message":"x"}`},
		{line: `{"component":"workers","task_id":"t","component":"saga"}`, want: []string{"component"}},
		{line: `{"a":1,"a":2,"a":3}`, want: []string{"a", "a"}},
		{line: `{"a":{"a":1},"b":[{"a":1},{"a":2}]}`},
		{line: `{"a":{"b":1,"b":2},"c":[{"d":1,"d":[1,{"e":1}]}],"c":null}`, want: []string{"b", "d", "c"}},
		{line: `{"k":"a value that names a key","a value that names a key":1}`},
		{line: `{"a":[[],{},"s",1,true,null],"b":{}}`},
		{line: `not json`, bad: true},
		{line: `[{"a":1}]`, bad: true},
		{line: `{"a":1}{"a":1}`, bad: true},
		{line: ``, bad: true},
		{line: `{"a":1`, bad: true},
	} {
		got, err := logtest.RepeatedKeys([]byte(c.line))
		if (err != nil) != c.bad || !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, %v; want %v, error %v", c.line, got, err, c.want, c.bad)
		}
	}
}

// TestCheckLinesCatchesASecondComponent: the mistake this package is
// for, made with zerolog itself.
func TestCheckLinesCatchesASecondComponent(t *testing.T) {
	var buf logtest.Buffer
	parent := zerolog.New(&buf).With().Str("component", "workers").Logger()
	child := parent.With().Str("component", "saga").Logger()
	child.Info().Msg("x")
	parent.Info().Msg("y")
	ft := &fakeT{TB: t}
	if n := logtest.CheckLines(ft, buf.String()); n != 2 || ft.errors != 1 {
		t.Fatalf("lines %d, errors %d:\n%s", n, ft.errors, buf.String())
	}
}

// fakeT counts errors instead of failing.
type fakeT struct {
	testing.TB
	errors int
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Errorf(string, ...any) { f.errors++ }
