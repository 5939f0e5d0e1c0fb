package cli

import (
	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/commands"
	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/i18n"
)

// adapterPhrases say the chat adapters' own sentences and words in each
// person's or message's language, from the built-in catalog; a person
// whose language has no catalog (or cannot be read) reads the policy's.
func adapterPhrases(s config.LanguageSettings) bot.Phrases {
	return i18n.MustLoad().PhrasesIn(s.Default)
}

// commandLanguages are the policy's languages for the chat front end.
func commandLanguages(s config.LanguageSettings) commands.Languages {
	return commands.Languages{Default: s.Default, Packages: s.Packages, Channels: s.Channels}
}

// adminLanguage is the language of the admin channel: its own, else
// the policy's default.
func adminLanguage(s config.LanguageSettings, ch approvals.PlatformID) string {
	if l, ok := s.Channels[string(ch.Platform)+":"+ch.ID]; ok {
		return l
	}
	return s.Default
}
