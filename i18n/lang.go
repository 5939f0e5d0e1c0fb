package i18n

import (
	"fmt"
	"strconv"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/chataccess/chataccess/bot"
)

// M names the arguments of a message: the catalog writes {{.Name}}. A
// bot.Text value keeps its spans; a string is shown inert (bot.Plain);
// an int is a number in the language's format; anything else is shown
// as fmt prints it, inert.
type M map[string]any

// Lang formats messages of one language. It is safe for concurrent use.
type Lang struct {
	c    *Catalog
	name string
	loc  *goi18n.Localizer
	num  *message.Printer
	cal  calendar
}

func newLang(c *Catalog, name string) *Lang {
	l := &Lang{c: c, name: name, loc: goi18n.NewLocalizer(c.bundle, name), num: message.NewPrinter(language.Make(name))}
	l.cal = newCalendar(l)
	return l
}

// Name is the language tag ("en", "fr").
func (l *Lang) Name() string { return l.name }

// T is message id with its arguments.
func (l *Lang) T(id string, args ...M) bot.Text { return l.format(id, nil, args) }

// N is message id in the plural form the language uses for n; the
// message writes n as {{.Count}}.
func (l *Lang) N(id string, n int, args ...M) bot.Text { return l.format(id, n, args) }

// S is T as plain text, for labels that take no formatting (buttons,
// headers, modal titles, options, form errors).
func (l *Lang) S(id string, args ...M) string { return l.T(id, args...).String() }

// SN is N as plain text.
func (l *Lang) SN(id string, n int, args ...M) string { return l.N(id, n, args...).String() }

// Int is n in the language's number format ("1,234", "1 234").
func (l *Lang) Int(n int) string { return l.num.Sprintf("%d", n) }

// Markers stand for the arguments in a template's output; they are
// private-use characters, which no catalog writes.
const (
	markOpen  = '\uE000'
	markClose = '\uE001'
)

func (l *Lang) format(id string, count any, args []M) bot.Text {
	data := map[string]any{}
	var parts []bot.Text
	for _, m := range args {
		for k, v := range m {
			switch v := v.(type) {
			case int:
				data[k] = l.Int(v)
				continue
			case bot.Text:
				parts = append(parts, v)
			case string:
				parts = append(parts, bot.Plain(v))
			default:
				parts = append(parts, bot.Plain(fmt.Sprint(v)))
			}
			data[k] = string(markOpen) + strconv.Itoa(len(parts)-1) + string(markClose)
		}
	}
	if n, ok := count.(int); ok {
		data["Count"] = l.Int(n)
	}
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if s == "" && err != nil {
		return bot.Plain(id) // in no catalog: the tests fail on it
	}
	return assemble(s, parts)
}

// assemble turns a template's output into text: a "\n" is a line break,
// a marker is its argument, everything else is plain.
func assemble(s string, parts []bot.Text) bot.Text {
	var out []bot.Text
	for s != "" {
		i := strings.IndexAny(s, "\n"+string(markOpen))
		if i < 0 {
			out = append(out, bot.Plain(s))
			break
		}
		if i > 0 {
			out = append(out, bot.Plain(s[:i]))
		}
		if s[i] == '\n' {
			out = append(out, bot.Break())
			s = s[i+1:]
			continue
		}
		rest := s[i+len(string(markOpen)):]
		j := strings.IndexRune(rest, markClose)
		n, err := strconv.Atoi(rest[:max(j, 0)])
		if j < 0 || err != nil || n < 0 || n >= len(parts) {
			out = append(out, bot.Plain(s[i:]))
			break
		}
		out = append(out, parts[n])
		s = rest[j+len(string(markClose)):]
	}
	return bot.Join(out...)
}
