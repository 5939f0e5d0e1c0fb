package config

import (
	"slices"
	"strings"
	"sync"

	"github.com/chataccess/chataccess/i18n"
)

// ChannelConfig is the setting of one chat channel.
type ChannelConfig struct {
	// Language is the language of the messages posted in the channel
	// (approval cards, their threads, admin alerts).
	Language string `yaml:"language"`
}

// LanguageSettings say which language the messages several people see
// are in: a channel's own, else its package's, else Default. Messages
// for one person follow that person's chat client when a catalog has
// its language. Values are catalog tags ("en", "fr"); empty is English.
type LanguageSettings struct {
	Default string
	// Packages maps a lower-case package name to its language.
	Packages map[string]string
	// Channels maps "platform:channel id" to its language.
	Channels map[string]string
}

// catalog is the built-in message catalog, read once to check the
// languages the policy names.
var catalog = sync.OnceValue(i18n.MustLoad)

// languages checks language, packages.<name>.language and
// channels.<id>.language against the catalogs built in.
func (r *problems) languages(c *Config) LanguageSettings {
	s := LanguageSettings{Default: r.language("language", c.Language)}
	for name, pc := range c.Packages {
		if l := r.language(join(join("packages", name), "language"), pc.Language); l != "" {
			if s.Packages == nil {
				s.Packages = map[string]string{}
			}
			s.Packages[strings.ToLower(strings.TrimSpace(name))] = l
		}
	}
	for id, cc := range c.Channels {
		path := join("channels", id)
		key, ok := channelKey(id)
		if !ok {
			r.add(path, "is not a channel id: a Slack channel (C… or G…) or platform:id such as teams:19:…@thread.tacv2")
			continue
		}
		if l := r.language(join(path, "language"), cc.Language); l != "" {
			if s.Channels == nil {
				s.Channels = map[string]string{}
			}
			s.Channels[key] = l
		}
	}
	return s
}

// language checks one language value; "" stays "".
func (r *problems) language(path, v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return ""
	}
	if !catalog().Has(v) {
		r.add(path, "%q has no message catalog; use one of %s", v, strings.Join(catalog().Languages(), ", "))
		return ""
	}
	return v
}

// channelKey is the "platform:id" of a channel as the policy writes it:
// a bare Slack channel id, or platform:id.
func channelKey(id string) (string, bool) {
	id = strings.TrimSpace(id)
	if slackChanRE.MatchString(id) {
		return "slack:" + id, true
	}
	p, rest, ok := strings.Cut(id, ":")
	if !ok || rest == "" || !slices.Contains([]string{"slack", "teams"}, p) {
		return "", false
	}
	return id, true
}
