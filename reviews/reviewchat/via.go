package reviewchat

import (
	"strings"

	"github.com/chataccess/chataccess/bot"
	"github.com/chataccess/chataccess/i18n"
	"github.com/chataccess/chataccess/reviews"
)

// viaLine says how a holder has the access when a user group gives it:
// only through the groups, or directly and through them.
func viaLine(l *i18n.Lang, it reviews.Item) []bot.Text {
	if len(it.Via) == 0 {
		if it.Inherited {
			return []bot.Text{l.T("reviewpage.access.via_unknown")}
		}
		return nil
	}
	groups := cut(strings.Join(it.Via, ", "), 300)
	if it.Inherited {
		return []bot.Text{l.T("reviewpage.access.via_only", i18n.M{"Groups": bot.Bold(groups)})}
	}
	return []bot.Text{l.T("reviewpage.access.via_also", i18n.M{"Groups": bot.Bold(groups)})}
}
