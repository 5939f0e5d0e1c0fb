// Package i18n owns the message catalogs of everything chataccess says
// to people (cards, modals, DMs, the App Home, refusals, help, review
// pages, expiry warnings, failure sentences) and the lookup that turns
// a message id into text in one language.
//
// Each language is one file in catalogs/ named by its language tag
// (en.yaml, fr.yaml), embedded in the binary: adding a language is
// adding a file. Messages are go-i18n templates with named arguments
// and CLDR plural forms (one, few, many, other… as the language needs).
// English is the default: a message a catalog lacks is said in English,
// and the tests fail on any such gap.
//
// Lang formats a message into bot.Text: the words come from the catalog,
// each argument keeps its own spans (mentions, bold, code), and an
// argument that is a string is shown inert, as bot.Plain does, so text a
// person typed never becomes markup or template code. Lang also formats
// numbers, durations and moments (bot.Time spans with a fallback in the
// language's own format).
//
// Only this package imports go-i18n and golang.org/x/text; the domain
// and the chat model stay free of them.
package i18n
