package cli

import (
	"github.com/chataccess/chataccess/approvals"
	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/commands"
	"github.com/chataccess/chataccess/config"
	"github.com/chataccess/chataccess/i18n"
)

// adapterPhrases say the chat adapters' own sentences in each person's
// language, from the built-in catalog.
func adapterPhrases() bot.Phrases { return i18n.MustLoad() }

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
