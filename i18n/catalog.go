package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"

	"github.com/chataccess/chataccess/bot"
)

// Default is the language of the catalog every other one is checked
// against, and the language said when nothing else fits.
const Default = "en"

//go:embed catalogs/*.yaml
var embedded embed.FS

// Catalog is every language's messages. It is safe for concurrent use.
type Catalog struct {
	bundle  *goi18n.Bundle
	langs   []string // Default first, then by name
	tags    []language.Tag
	matcher language.Matcher
	ids     map[string][]string // message ids per language, sorted
	msgs    map[string]map[string]*goi18n.Message
	mu      sync.Mutex
	cache   map[string]*Lang
}

// Load is the catalog built into the binary.
func Load() (*Catalog, error) {
	sub, err := fs.Sub(embedded, "catalogs")
	if err != nil {
		return nil, err
	}
	return FromFS(sub)
}

// MustLoad is Load for the composition root and tests: the embedded
// catalogs are checked by the tests, so failing to read them is a bug.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// FromFS reads every <language>.yaml file at the root of fsys. The
// default language's file must be there.
func FromFS(fsys fs.FS) (*Catalog, error) {
	bundle := goi18n.NewBundle(language.Make(Default))
	bundle.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	c := &Catalog{bundle: bundle, ids: map[string][]string{}, msgs: map[string]map[string]*goi18n.Message{}, cache: map[string]*Lang{}}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", name, err)
		}
		mf, err := bundle.ParseMessageFileBytes(data, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: parse %s: %w", name, err)
		}
		lang := strings.TrimSuffix(path.Base(name), ".yaml")
		if mf.Tag.String() != lang {
			return nil, fmt.Errorf("i18n: %s: %q is not a language tag in its canonical form (%s)", name, lang, mf.Tag)
		}
		ids := make([]string, 0, len(mf.Messages))
		c.msgs[lang] = map[string]*goi18n.Message{}
		for _, m := range mf.Messages {
			ids = append(ids, m.ID)
			c.msgs[lang][m.ID] = m
		}
		slices.Sort(ids)
		c.ids[lang] = ids
		c.langs = append(c.langs, lang)
	}
	if _, ok := c.ids[Default]; !ok {
		return nil, fmt.Errorf("i18n: no %s.yaml; the default language is required", Default)
	}
	slices.SortFunc(c.langs, func(a, b string) int {
		switch {
		case a == Default:
			return -1
		case b == Default:
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, l := range c.langs {
		c.tags = append(c.tags, language.Make(l))
	}
	c.matcher = language.NewMatcher(c.tags)
	return c, nil
}

// Languages are the languages with a catalog, the default first.
func (c *Catalog) Languages() []string { return slices.Clone(c.langs) }

// Has reports whether lang has a catalog.
func (c *Catalog) Has(lang string) bool { return slices.Contains(c.langs, lang) }

// IDs are the message ids of one language's catalog, sorted.
func (c *Catalog) IDs(lang string) []string { return slices.Clone(c.ids[lang]) }

// Match is the catalog language for a platform locale ("fr-FR",
// "fr_CA", "en-GB"), and false when no catalog is close enough (then
// the caller keeps its own default).
func (c *Catalog) Match(locale string) (string, bool) {
	locale = strings.ReplaceAll(strings.TrimSpace(locale), "_", "-")
	if locale == "" {
		return "", false
	}
	t, err := language.Parse(locale)
	if err != nil {
		return "", false
	}
	_, i, conf := c.matcher.Match(t)
	if conf < language.High {
		return "", false
	}
	return c.langs[i], true
}

// Phrase is message id (without arguments) in the language of a
// platform locale, the default language when no catalog fits. It makes
// the catalog a bot.Phrases for the platform adapters.
func (c *Catalog) Phrase(locale, id string) string {
	lang, _ := c.Match(locale)
	return c.Lang(lang).S(id)
}

// PhraseN is Phrase in the plural form for n ({{.Count}}).
func (c *Catalog) PhraseN(locale, id string, n int) string {
	lang, _ := c.Match(locale)
	return c.Lang(lang).SN(id, n)
}

// PhrasesIn is the catalog as bot.Phrases for a policy whose language
// is fallback: a locale without a catalog ("", "de-DE") is said in
// fallback rather than in the default language, as the chat front end
// does for people whose client language has no catalog.
func (c *Catalog) PhrasesIn(fallback string) bot.Phrases {
	return phrasesIn{c: c, fallback: fallback}
}

type phrasesIn struct {
	c        *Catalog
	fallback string
}

func (p phrasesIn) lang(locale string) *Lang {
	if l, ok := p.c.Match(locale); ok {
		return p.c.Lang(l)
	}
	return p.c.Lang(p.fallback)
}

func (p phrasesIn) Phrase(locale, id string) string { return p.lang(locale).S(id) }

func (p phrasesIn) PhraseN(locale, id string, n int) string { return p.lang(locale).SN(id, n) }

// Lang is the formatter of one language; an unknown language is the
// default one.
func (c *Catalog) Lang(lang string) *Lang {
	if !c.Has(lang) {
		lang = Default
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.cache[lang]; ok {
		return l
	}
	l := newLang(c, lang)
	c.cache[lang] = l
	return l
}
