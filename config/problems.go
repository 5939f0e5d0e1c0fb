package config

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Problem is one thing wrong with the configuration.
type Problem struct {
	// Path locates the problem: a YAML path such as
	// "packages.agent.approvers[2]", or an environment variable name such
	// as "SLACK_API_URL". Empty for problems with the document as a whole.
	Path    string
	Message string
}

// String renders "path: message".
func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// ValidationError lists every problem found, sorted by path (numbers in
// paths compare as numbers) and then by message.
type ValidationError struct {
	// File is the config file name when known.
	File     string
	Problems []Problem
}

// Error lists the problems, one per line after a summary line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	b.WriteString("config: ")
	if len(e.Problems) == 1 {
		b.WriteString(e.Problems[0].String())
		return b.String()
	}
	fmt.Fprintf(&b, "%d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// newValidationError sorts the problems and wraps them, or returns nil
// when there are none. A nil *ValidationError is never returned as a
// non-nil error.
func newValidationError(file string, ps []Problem) error {
	if len(ps) == 0 {
		return nil
	}
	ps = slices.Clone(ps)
	sortProblems(ps)
	ps = slices.Compact(ps)
	return &ValidationError{File: file, Problems: ps}
}

func sortProblems(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if c := naturalCompare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
}

// naturalCompare orders strings with digit runs compared as numbers, so
// "approvers[2]" sorts before "approvers[10]".
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		ra, rest := splitRun(a)
		rb, restb := splitRun(b)
		if isDigit(ra[0]) && isDigit(rb[0]) {
			ta, tb := strings.TrimLeft(ra, "0"), strings.TrimLeft(rb, "0")
			if len(ta) != len(tb) {
				return cmp.Compare(len(ta), len(tb))
			}
			if c := strings.Compare(ta, tb); c != 0 {
				return c
			}
		}
		if c := strings.Compare(ra, rb); c != 0 {
			return c
		}
		a, b = rest, restb
	}
	return strings.Compare(a, b)
}

// splitRun returns the leading run of digits or of non-digits.
func splitRun(s string) (run, rest string) {
	d := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == d {
		i++
	}
	return s[:i], s[i:]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// problems collects problems while a config is checked.
type problems struct {
	list []Problem
}

func (p *problems) add(path, format string, args ...any) {
	p.list = append(p.list, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

// join builds a child path: a key that is a plain word is appended with
// a dot, anything else in brackets and quotes.
func join(path, key string) string {
	if plainKey(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

// sub appends a dotted run of fixed keys, e.g. "marketo.role".
func sub(path, keys string) string {
	for _, k := range strings.Split(keys, ".") {
		path = join(path, k)
	}
	return path
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func plainKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// under reports whether path is p itself or lies below it.
func under(path, p string) bool {
	if !strings.HasPrefix(path, p) {
		return false
	}
	rest := path[len(p):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}
