package config

import (
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxVisits bounds the nodes the shape check visits, so a file built
// from nested aliases ("billion laughs") cannot make it run for ever.
const maxVisits = 100_000

var configType = reflect.TypeFor[Config]()

// walker checks a YAML node tree against a Go type, the way
// yaml.Decoder.KnownFields would, but collects every problem with its
// path instead of stopping at line numbers.
type walker struct {
	ps *problems
	// bad lists the paths whose own value was wrong and dropped; checks
	// of what lies under them would only repeat the problem.
	bad []string
	// dirty says the tree was changed (pairs dropped, values nulled).
	dirty     bool
	visits    int
	exhausted bool
	fields    map[reflect.Type]map[string]reflect.Type
}

func newWalker(ps *problems) *walker {
	return &walker{ps: ps, fields: map[reflect.Type]map[string]reflect.Type{}}
}

// fail records a problem with the value at path, which is dropped.
func (w *walker) fail(path, format string, args ...any) {
	w.note(path, format, args...)
	w.bad = append(w.bad, path)
}

// note records a problem without marking the path bad.
func (w *walker) note(path, format string, args ...any) {
	w.ps.add(path, format, args...)
	w.dirty = true
}

// spend counts a visit and reports whether the budget still holds.
func (w *walker) spend() bool {
	if w.exhausted {
		return false
	}
	if w.visits++; w.visits > maxVisits {
		w.exhausted = true
		w.ps.add("", "the document is too large or uses too many aliases")
		return false
	}
	return true
}

// walk checks n against t. It returns false when n's own shape is wrong;
// the caller then replaces n by null, so the decode that follows skips
// it. Problems further down are dropped from the tree where they occur.
func (w *walker) walk(n *yaml.Node, t reflect.Type, path string) bool {
	if !w.spend() {
		return true
	}
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return true
		}
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return true
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		return w.object(n, t, path)
	case reflect.Map:
		return w.dict(n, t, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.fail(path, "must be a list, not %s", describe(n))
			return false
		}
		for i, e := range n.Content {
			if !w.walk(e, t.Elem(), index(path, i)) {
				n.Content[i] = nullNode()
			}
		}
		return true
	default:
		return w.scalar(n, t, path)
	}
}

func nullNode() *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

// object checks a mapping against a struct's yaml keys.
func (w *walker) object(n *yaml.Node, t reflect.Type, path string) bool {
	if n.Kind != yaml.MappingNode {
		w.fail(path, "must be a mapping (key: value), not %s", describe(n))
		return false
	}
	fields := w.structFields(t)
	w.pairs(n, t, path, func(key string, v *yaml.Node) verdict {
		ft, ok := fields[key]
		if !ok {
			w.fail(join(path, key), "%s", unknownKey(key, fields))
			return dropPair
		}
		return keepUnless(w.walk(v, ft, join(path, key)))
	})
	return true
}

// dict checks a mapping against a map type with string keys.
func (w *walker) dict(n *yaml.Node, t reflect.Type, path string) bool {
	if n.Kind != yaml.MappingNode {
		w.fail(path, "must be a mapping (name: value), not %s", describe(n))
		return false
	}
	w.pairs(n, t, path, func(key string, v *yaml.Node) verdict {
		return keepUnless(w.walk(v, t.Elem(), join(path, key)))
	})
	return true
}

// verdict is what pairs does with a visited pair.
type verdict int

const (
	keepValue verdict = iota
	nullValue         // the value has the wrong shape: decode it as null
	dropPair          // the key is unknown
)

func keepUnless(ok bool) verdict {
	if ok {
		return keepValue
	}
	return nullValue
}

// pairs visits the key/value pairs of a mapping, following merge keys
// ("<<: *defaults") and rejecting repeated or non-text keys. Pairs that
// are wrong are dropped from the mapping; a value visit rejects becomes
// null.
func (w *walker) pairs(n *yaml.Node, t reflect.Type, path string, visit func(string, *yaml.Node) verdict) {
	seen := map[string]int{}
	kept := n.Content[:0:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			if w.merge(v, t, path) {
				kept = append(kept, k, v)
			}
			continue
		}
		var key string
		if k.Kind != yaml.ScalarNode || k.Decode(&key) != nil {
			w.note(path, "has a key that is %s; keys must be plain text", describe(k))
			continue
		}
		if line, dup := seen[key]; dup {
			w.note(join(path, key), "key is repeated (first at line %d)", line)
			continue
		}
		seen[key] = k.Line
		switch visit(key, v) {
		case dropPair:
			continue
		case nullValue:
			v = nullNode()
		}
		kept = append(kept, k, v)
	}
	n.Content = kept
}

// merge walks the mapping(s) a "<<" key pulls in, as part of the
// mapping at path.
func (w *walker) merge(v *yaml.Node, t reflect.Type, path string) bool {
	if !w.spend() {
		return true
	}
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	switch v.Kind {
	case yaml.MappingNode:
		return w.walk(v, t, path)
	case yaml.SequenceNode:
		ok := true
		for _, e := range v.Content {
			ok = w.merge(e, t, path) && ok
		}
		return ok
	}
	w.fail(path, "merge key << must name a mapping, not %s", describe(v))
	return false
}

// scalar checks a text, number or boolean value by decoding it exactly
// as the real decode will.
func (w *walker) scalar(n *yaml.Node, t reflect.Type, path string) bool {
	want := map[reflect.Kind]string{
		reflect.String: "text",
		reflect.Int:    "a whole number",
		reflect.Bool:   "true or false",
	}[t.Kind()]
	if n.Kind != yaml.ScalarNode {
		w.fail(path, "must be %s, not %s", want, describe(n))
		return false
	}
	if err := n.Decode(reflect.New(t).Interface()); err != nil {
		w.fail(path, "must be %s, not %s", want, quote(truncate(n.Value, 40)))
		return false
	}
	return true
}

func (w *walker) structFields(t reflect.Type) map[string]reflect.Type {
	if f, ok := w.fields[t]; ok {
		return f
	}
	f := map[string]reflect.Type{}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !sf.IsExported() {
			continue
		}
		f[name] = sf.Type
	}
	w.fields[t] = f
	return f
}

// unknownKey names the key and, when one is close, the key meant.
func unknownKey(key string, fields map[string]reflect.Type) string {
	best, bestD := "", 3
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if d := editDistance(strings.ToLower(key), name); d < bestD && d < len(name)/2+1 {
			best, bestD = name, d
		}
	}
	if best != "" {
		return "unknown key " + quote(key) + " (did you mean " + quote(best) + "?)"
	}
	return "unknown key " + quote(key)
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		return quote(truncate(n.Value, 40))
	}
	return "empty"
}

// editDistance is the Levenshtein distance, for "did you mean" hints on
// short keys.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
