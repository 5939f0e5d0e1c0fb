package slackbot

import (
	"context"

	"github.com/chataccess/chataccess/bot"
)

// Renderer draws the bot model as Block Kit. Its own few words — the
// generic fallback line, the "…N more" markers of a cut message, a
// confirmation's default buttons — come from Phrases in the language of
// what it draws: the message's Lang, else Viewer's locale (the one
// person a DM, an ephemeral answer or a Home is for), else the Phrases'
// default (the policy's language). The zero Renderer writes English.
type Renderer struct {
	Phrases bot.Phrases
	// Viewer is the locale of the one person who will see what is
	// drawn, asked only when a word is needed; nil when several people
	// see it.
	Viewer func() string
}

// words are the renderer's own words for one message, modal or Home.
type words struct {
	p        bot.Phrases
	lang     string
	viewer   func() string
	resolved bool
}

func (r Renderer) words(lang string) *words {
	return &words{p: r.Phrases, lang: lang, viewer: r.Viewer}
}

// locale is the language to say the words in, the viewer asked once.
func (w *words) locale() string {
	if w.lang == "" && w.viewer != nil && !w.resolved {
		w.lang, w.resolved = w.viewer(), true
	}
	return w.lang
}

// say is message id of the Phrases, or english without them.
func (w *words) say(id, english string) string {
	if w == nil || w.p == nil {
		return english
	}
	return w.p.Phrase(w.locale(), id)
}

// count is say in the plural form for n ({{.Count}}).
func (w *words) count(id string, n int, english string) string {
	if w == nil || w.p == nil {
		return english
	}
	return w.p.PhraseN(w.locale(), id, n)
}

// renderer draws for one person (userID; "" when several people see
// the message), their locale read from the cached profile only when a
// word is needed.
func (s *Sender) renderer(ctx context.Context, userID string) Renderer {
	return viewerRenderer(ctx, s.phrases, s, userID)
}

func viewerRenderer(ctx context.Context, p bot.Phrases, s *Sender, userID string) Renderer {
	r := Renderer{Phrases: p}
	if p == nil || s == nil || userID == "" {
		return r
	}
	r.Viewer = func() string {
		u, err := s.LookupUser(ctx, userID)
		if err != nil {
			return ""
		}
		return u.Locale
	}
	return r
}
