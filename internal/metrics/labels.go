package metrics

import (
	"strings"

	"github.com/chataccess/chataccess/integrations/failure"
)

// maxLabelLen bounds every label value built from a name in code.
const maxLabelLen = 32

// token makes a name from code into a label value: lower case, spaces
// and dashes as underscores, only [a-z0-9_.], at most maxLabelLen bytes;
// "other" for anything that does not fit, so a label never carries text
// it was not meant to.
func token(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer(" ", "_", "-", "_").Replace(s)
	if s == "" || len(s) > maxLabelLen {
		return "other"
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' && r != '.' {
			return "other"
		}
	}
	return s
}

// reasonLabel is a failure reason as a label: one of failure.Reasons,
// else "other".
func reasonLabel(r failure.Reason) string {
	for _, known := range failure.Reasons() {
		if r == known {
			return string(r)
		}
	}
	return "other"
}
