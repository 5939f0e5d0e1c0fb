package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/chataccess/chataccess/bot"
)

func forms(m *goi18n.Message) []string {
	var out []string
	for _, s := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

var argRE = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

func args(m *goi18n.Message) []string {
	var out []string
	for _, f := range forms(m) {
		for _, a := range argRE.FindAllStringSubmatch(f, -1) {
			out = append(out, a[1])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestEveryCatalogHasEveryMessage: each language has exactly the
// default catalog's messages; a missing one fails here.
func TestEveryCatalogHasEveryMessage(t *testing.T) {
	c := MustLoad()
	if len(c.Languages()) < 2 || c.Languages()[0] != Default || !c.Has("fr") {
		t.Fatalf("languages %v", c.Languages())
	}
	want := c.IDs(Default)
	for _, lang := range c.Languages()[1:] {
		got := c.IDs(lang)
		for _, id := range want {
			if !slices.Contains(got, id) {
				t.Errorf("%s.yaml lacks %s", lang, id)
			}
		}
		for _, id := range got {
			if !slices.Contains(want, id) {
				t.Errorf("%s.yaml has %s, which %s.yaml does not", lang, id, Default)
			}
		}
	}
}

// TestTranslationsUseTheSameArguments: a translation names the same
// arguments as the default message, so nothing is lost or invented.
func TestTranslationsUseTheSameArguments(t *testing.T) {
	c := MustLoad()
	for _, lang := range c.Languages()[1:] {
		for id, m := range c.msgs[lang] {
			en := c.msgs[Default][id]
			if en == nil {
				continue
			}
			if a, b := args(en), args(m); !slices.Equal(a, b) {
				t.Errorf("%s %s uses %v; %s uses %v", lang, id, b, Default, a)
			}
		}
	}
}

// TestPluralForms: every plural message has every form each language's
// CLDR rules ask for (French: one, many, other), and a plural message
// is plural in every language.
func TestPluralForms(t *testing.T) {
	c := MustLoad()
	counts := []any{0, 1, 2, 3, 5, 11, 21, 101, 1000000, "1.5"}
	for id, en := range c.msgs[Default] {
		if en.One == "" && en.Many == "" && en.Few == "" {
			continue
		}
		for _, lang := range c.Languages() {
			m := c.msgs[lang][id]
			if m != nil && m.Other == "" {
				t.Errorf("%s %s has no other form", lang, id)
			}
			loc := goi18n.NewLocalizer(c.bundle, lang)
			for _, n := range counts {
				if _, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: map[string]any{}}); err != nil {
					t.Errorf("%s %s for %v: %v", lang, id, n, err)
				}
			}
		}
	}
}

// TestFrenchTypography: a no-break space (U+00A0) before « : » and
// inside guillemets, a narrow no-break space (U+202F) before ; ? and !,
// typographic apostrophes, no straight double quotes. Punctuation counts
// when followed by a space, the end, a template argument, a quote, a
// bracket or more punctuation; a colon inside a word, a URL or a time
// (group:NAME, https://, 10:30) is not prose.
func TestFrenchTypography(t *testing.T) {
	c := MustLoad()
	for id, m := range c.msgs["fr"] {
		if strings.HasPrefix(id, "time.") {
			continue // formats, not prose
		}
		for _, f := range forms(m) {
			for _, bad := range frenchTypography(f) {
				t.Errorf("fr %s: %q: %s", id, f, bad)
			}
		}
	}
}

// frenchRules are the checks of TestFrenchTypography, on a message
// whose template arguments are replaced by ¤.
var frenchRules = func() []struct {
	what string
	re   *regexp.Regexp
} {
	const after = `(?:\s|$|¤|[\x{00A0}\x{202F}»"'’)\].,;:?!…*_` + "`" + `])`
	return []struct {
		what string
		re   *regexp.Regexp
	}{
		{"U+00A0 before :", regexp.MustCompile(`(?:^|[^\x{00A0}]):` + after)},
		{"U+202F before ; ? !", regexp.MustCompile(`(?:^|[^\x{202F}?!])[;?!]` + after)},
		{"U+00A0 after «", regexp.MustCompile(`«[^\x{00A0}]`)},
		{"U+00A0 before »", regexp.MustCompile(`[^\x{00A0}]»`)},
		{"typographic apostrophe", regexp.MustCompile(`'`)},
		{"guillemets, not straight quotes", regexp.MustCompile(`"`)},
	}
}()

// frenchTypography lists what French message f gets wrong, each with
// where.
func frenchTypography(f string) []string {
	text := argRE.ReplaceAllString(f, "¤")
	var bad []string
	for _, r := range frenchRules {
		if loc := r.re.FindStringIndex(text); loc != nil {
			bad = append(bad, fmt.Sprintf("%s at %q", r.what, text[loc[0]:]))
		}
	}
	return bad
}

// TestFrenchTypographyRules: the checks catch the wrong space before
// punctuation followed by a space, an argument, a quote or the end, and
// leave URLs, times and words with a colon alone.
func TestFrenchTypographyRules(t *testing.T) {
	for _, tc := range []struct {
		text string
		ok   bool
	}{
		{"Vraiment\u202f?", true},
		{"Vraiment\u00a0?", false},
		{"Vraiment ?", false},
		{"Vraiment?", false},
		{"demande\u00a0;{{.X}}", false},
		{"«\u00a0Oui\u202f!\u00a0»", true},
		{"«\u00a0Oui\u00a0!\u00a0»", false},
		{"«\u00a0Oui !»", false},
		{"Motif\u00a0: {{.X}}", true},
		{"Motif\u202f: {{.X}}", false},
		{"Motif :{{.X}}", false},
		{"{{.X}}: oui", false},
		{"voir https://example.com à 10:30, group:EMEA", true},
	} {
		if got := frenchTypography(tc.text); (len(got) == 0) != tc.ok {
			t.Errorf("%q: %v", tc.text, got)
		}
	}
}

// TestEveryMessageIsUsed: each message id of the default catalog is
// written as a string literal somewhere in the program, and each
// literal given to T, N, S or SN is a message id.
func TestEveryMessageIsUsed(t *testing.T) {
	c := MustLoad()
	lits, calls := literals(t, "..")
	for _, id := range c.IDs(Default) {
		if !lits[id] {
			t.Errorf("%s is in the catalog but no code uses it", id)
		}
	}
	ids := c.IDs(Default)
	for _, call := range calls {
		if !slices.Contains(ids, call.id) {
			t.Errorf("%s asks for %q, which is in no catalog", call.at, call.id)
		}
	}
}

type call struct{ id, at string }

// literals reads every non-test Go file of the module: the string
// literals, and the first arguments of .T, .N, .S and .SN calls.
func literals(t *testing.T, root string) (map[string]bool, []call) {
	t.Helper()
	lits := map[string]bool{}
	var calls []call
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING {
					lits[s] = true
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || len(n.Args) == 0 || !slices.Contains([]string{"T", "N", "S", "SN"}, sel.Sel.Name) {
					return true
				}
				if lit, ok := n.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					calls = append(calls, call{id: s, at: fset.Position(lit.Pos()).String()})
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(lits) < 100 {
		t.Fatalf("read %d literals; is the module root right?", len(lits))
	}
	return lits, calls
}

// TestArgumentsStayInert: a string argument is one plain span, whatever
// it holds (template code, line breaks, markup); a Text argument keeps
// its spans; the catalog's own line breaks are breaks.
func TestArgumentsStayInert(t *testing.T) {
	fsys := fstest.MapFS{"en.yaml": {Data: []byte("a: \"Hi {{.Name}},\\nyou have {{.What}}.\"\n")}}
	c, err := FromFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	hostile := "{{.What}} \n *x* <!channel> \uE0000\uE001"
	got := c.Lang("en").T("a", M{"Name": hostile, "What": bot.Bold("agent")}).Spans()
	want := []bot.Span{{Kind: bot.SpanPlain, Text: "Hi "}, {Kind: bot.SpanPlain, Text: hostile}, {Kind: bot.SpanPlain, Text: ","},
		{Kind: bot.SpanBreak}, {Kind: bot.SpanPlain, Text: "you have "}, {Kind: bot.SpanBold, Text: "agent"}, {Kind: bot.SpanPlain, Text: "."}}
	if !slices.EqualFunc(got, want, func(a, b bot.Span) bool { return a.Kind == b.Kind && a.Text == b.Text }) {
		t.Fatalf("spans\n got %+v\nwant %+v", got, want)
	}
	if s := c.Lang("en").S("missing"); s != "missing" {
		t.Fatalf("missing message = %q", s)
	}
}

func TestMatchAndFallback(t *testing.T) {
	c := MustLoad()
	for locale, want := range map[string]string{"fr-FR": "fr", "fr_CA": "fr", "fr": "fr", "en-GB": "en", "en-US": "en", "de-DE": "", "": "", "x!": ""} {
		got, ok := c.Match(locale)
		if got != want || ok != (want != "") {
			t.Errorf("Match(%q) = %q, %v; want %q", locale, got, ok, want)
		}
	}
	if c.Lang("de").Name() != Default || c.Lang("fr").Name() != "fr" {
		t.Fatal("Lang fallback")
	}
}

func TestPhrase(t *testing.T) {
	var p bot.Phrases = MustLoad()
	if got := p.Phrase("fr-CA", "adapter.went_wrong"); !strings.HasPrefix(got, "Un problème") {
		t.Fatalf("French phrase %q", got)
	}
	if got := p.Phrase("de-DE", "adapter.went_wrong"); got != "Something went wrong; please try again." {
		t.Fatalf("fallback phrase %q", got)
	}
}

func TestLoadRefusesBadFiles(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"no default":  {"fr.yaml": {Data: []byte("a: b\n")}},
		"not a tag":   {"en.yaml": {Data: []byte("a: b\n")}, "french.yaml": {Data: []byte("a: b\n")}},
		"broken yaml": {"en.yaml": {Data: []byte("a: [\n")}},
	} {
		if _, err := FromFS(fsys); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}
