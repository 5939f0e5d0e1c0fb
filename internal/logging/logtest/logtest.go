// Package logtest checks JSON log output in tests: every line is one
// JSON object, and no object in it carries a key twice. zerolog appends
// fields and never replaces one, so a sub-logger that sets a key its
// parent already set (a second component, an attempt under a task's
// attempt) writes that key twice; JSON decoders then keep one of the two
// values and the other is lost without a trace.
package logtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
)

// Buffer is an io.Writer for loggers that many goroutines write to.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// RepeatedKeys returns the keys that occur more than once within one
// object of a JSON line (each nested object is checked on its own), in
// the order their repeats appear. It returns an error when the line is
// not exactly one JSON object.
func RepeatedKeys(line []byte) ([]string, error) {
	type frame struct {
		object  bool
		keys    map[string]bool
		wantKey bool
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var (
		stack    []*frame
		repeated []string
		started  bool
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(stack) == 0 {
			if started || tok != json.Delim('{') {
				return nil, fmt.Errorf("not one JSON object: %v", tok)
			}
			started = true
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if top != nil && top.object {
					top.wantKey = true // after this value, a key
				}
				stack = append(stack, &frame{object: v == '{', keys: map[string]bool{}, wantKey: true})
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
		default:
			switch {
			case top == nil || !top.object:
			case top.wantKey:
				k, _ := v.(string)
				if top.keys[k] {
					repeated = append(repeated, k)
				}
				top.keys[k] = true
				top.wantKey = false
			default:
				top.wantKey = true
			}
		}
	}
	switch {
	case !started:
		return nil, errors.New("empty line")
	case len(stack) > 0:
		return nil, errors.New("unterminated object")
	}
	return repeated, nil
}

// CheckLines fails t for every line of out that is not a JSON object or
// that repeats a key, and returns how many lines it read.
func CheckLines(t testing.TB, out string) int {
	t.Helper()
	n := 0
	for line := range strings.SplitSeq(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		n++
		keys, err := RepeatedKeys([]byte(line))
		switch {
		case err != nil:
			t.Errorf("log line is not a JSON object (%v): %s", err, line)
		case len(keys) > 0:
			t.Errorf("log line repeats %s: %s", strings.Join(keys, ", "), line)
		}
	}
	return n
}
