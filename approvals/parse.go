package approvals

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// IDPrefix starts every request id.
const IDPrefix = "DC-"

// ParseRequestID accepts "DC-1042", "dc-1042", "#DC-1042" or "1042" and
// returns the canonical "DC-1042".
func ParseRequestID(s string) (string, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "#")
	if len(t) >= len(IDPrefix) && strings.EqualFold(t[:len(IDPrefix)], IDPrefix) {
		t = t[len(IDPrefix):]
	}
	if t == "" || len(t) > 12 {
		return "", fmt.Errorf("%w: %q (expected something like DC-1042)", ErrInvalidID, s)
	}
	for _, r := range t {
		if r < '0' || r > '9' {
			return "", fmt.Errorf("%w: %q (expected something like DC-1042)", ErrInvalidID, s)
		}
	}
	n, err := strconv.ParseUint(t, 10, 63)
	if err != nil || n == 0 {
		return "", fmt.Errorf("%w: %q (expected something like DC-1042)", ErrInvalidID, s)
	}
	return IDPrefix + strconv.FormatUint(n, 10), nil
}

// ParseEmail validates a bare email address (no display name, no
// comments) and returns it lower-cased. It is stricter than RFC 5322 on
// purpose: the address must be one a directory would hold.
func ParseEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	// Slack sends typed emails as <mailto:a@b.c|a@b.c>.
	if strings.HasPrefix(e, "<mailto:") && strings.HasSuffix(e, ">") {
		e = strings.TrimSuffix(strings.TrimPrefix(e, "<mailto:"), ">")
		if i := strings.IndexByte(e, '|'); i >= 0 {
			e = e[i+1:]
		}
	}
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: %q %s", ErrInvalidEmail, truncate(s, 80), why)
	}
	if e == "" {
		return bad("is empty")
	}
	if len(e) > 254 {
		return bad("is longer than 254 characters")
	}
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || at == len(e)-1 {
		return bad("is not an email")
	}
	local, domain := e[:at], e[at+1:]
	if len(local) > 64 {
		return bad("has a local part over 64 characters")
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return bad("is not an email")
	}
	// RFC 5322 atext, less "|": Slack writes emails as <mailto:a|a>, so
	// an address holding "|" could not round-trip through chat.
	for _, r := range local {
		if r > unicode.MaxASCII || !(isAlnum(r) || strings.ContainsRune("!#$%&'*+-/=?^_`{}~.", r)) {
			return bad("is not an email")
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return bad("has no domain")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return bad("has an invalid domain")
		}
		for _, r := range l {
			if r > unicode.MaxASCII || !(isAlnum(r) || r == '-') {
				return bad("has an invalid domain")
			}
		}
	}
	return e, nil
}

func isAlnum(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// MaxParsedDuration bounds any duration the parser accepts (ten years).
const MaxParsedDuration = 10 * 365 * 24 * time.Hour

// ParseDuration reads durations as people type them: "30d", "2w", "12h",
// "90m", "1d12h", or "permanent" (also "perm", "forever"), which returns
// permanent=true and a zero duration.
func ParseDuration(s string) (d time.Duration, permanent bool, err error) {
	t := strings.ToLower(strings.TrimSpace(s))
	switch t {
	case "permanent", "perm", "forever", "indefinite":
		return 0, true, nil
	case "":
		return 0, false, fmt.Errorf("%w: empty (use e.g. 30d, 2w, 12h or permanent)", ErrInvalidDuration)
	}
	orig := t
	var total time.Duration
	for t != "" {
		i := 0
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		if i == 0 || i > 6 || i == len(t) {
			return 0, false, fmt.Errorf("%w: %q (use e.g. 30d, 2w, 12h or permanent)", ErrInvalidDuration, truncate(orig, 40))
		}
		n, _ := strconv.Atoi(t[:i])
		var unit time.Duration
		switch t[i] {
		case 'w':
			unit = 7 * 24 * time.Hour
		case 'd':
			unit = 24 * time.Hour
		case 'h':
			unit = time.Hour
		case 'm':
			unit = time.Minute
		default:
			return 0, false, fmt.Errorf("%w: %q (units are w, d, h, m)", ErrInvalidDuration, truncate(orig, 40))
		}
		total += time.Duration(n) * unit
		if total > MaxParsedDuration {
			return 0, false, fmt.Errorf("%w: %q is longer than ten years", ErrInvalidDuration, truncate(orig, 40))
		}
		t = t[i+1:]
	}
	if total <= 0 {
		return 0, false, fmt.Errorf("%w: %q must be positive", ErrInvalidDuration, truncate(orig, 40))
	}
	return total, false, nil
}

// FormatDuration renders a duration the way ParseDuration reads it:
// "30d", "2w", "1d12h"; zero is "permanent".
func FormatDuration(d time.Duration) string {
	if d <= 0 {
		return "permanent"
	}
	var b strings.Builder
	if w := d / (7 * 24 * time.Hour); w > 0 && d%(7*24*time.Hour) == 0 {
		return strconv.Itoa(int(w)) + "w"
	}
	if days := d / (24 * time.Hour); days > 0 {
		b.WriteString(strconv.Itoa(int(days)) + "d")
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		b.WriteString(strconv.Itoa(int(h)) + "h")
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		b.WriteString(strconv.Itoa(int(m)) + "m")
	}
	if b.Len() == 0 {
		return "1m"
	}
	return b.String()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
