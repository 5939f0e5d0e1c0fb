package i18n

import (
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/bot"
)

// Sentence is a sentence stored with a request (a failure, a step's
// detail) in this language: message id key with its arguments, or the
// stored English text when key is empty or in no catalog (records
// written before sentences had ids, ids since removed).
//
// Arguments are user or vendor data and stay inert, with three
// conventions read from their names:
//   - "XKey" names a message whose own arguments are those named "X.…";
//     it is shown as argument X, and the value of X (its English text)
//     is the fallback;
//   - a name ending in "Duration" holds a Go duration ("38s"), spoken in
//     this language ("38 secondes");
//   - a name ending in "Time" holds an RFC 3339 moment, shown as a clock
//     time in each viewer's zone; ending in "DateTime", as a date and
//     clock time; ending in "Date", as a date;
//   - "Count" is a number that chooses the plural form.
func (l *Lang) Sentence(key string, args map[string]string, english string) bot.Text {
	if key == "" || !l.known(key) {
		return bot.Plain(english)
	}
	m := M{}
	for name, v := range args {
		if strings.Contains(name, ".") || name == "Count" {
			continue
		}
		if base, ok := strings.CutSuffix(name, "Key"); ok && base != "" {
			if _, nested := args[base]; nested {
				continue
			}
		}
		m[name] = l.sentenceArg(name, v, args)
	}
	if n, err := strconv.Atoi(args["Count"]); err == nil {
		return l.N(key, n, m)
	}
	return l.T(key, m)
}

// sentenceArg is one argument of a stored sentence (see Sentence).
func (l *Lang) sentenceArg(name, v string, args map[string]string) any {
	if k, ok := args[name+"Key"]; ok {
		sub := map[string]string{}
		for n, x := range args {
			if rest, ok := strings.CutPrefix(n, name+"."); ok {
				sub[rest] = x
			}
		}
		return l.Sentence(k, sub, v)
	}
	switch {
	case strings.HasSuffix(name, "Duration"):
		if d, err := time.ParseDuration(v); err == nil {
			return l.Spoken(d)
		}
	case strings.HasSuffix(name, "Time"), strings.HasSuffix(name, "Date"):
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return l.Time(t, nil, timeStyle(name))
		}
	}
	return v
}

// timeStyle is how a moment argument of a stored sentence is shown,
// read from its name (see Sentence).
func timeStyle(name string) bot.TimeStyle {
	switch {
	case strings.HasSuffix(name, "DateTime"):
		return bot.TimeDayAndClock
	case strings.HasSuffix(name, "Date"):
		return bot.TimeDay
	}
	return bot.TimeClock
}

// known reports whether a catalog has message id: this language's or
// the default one.
func (l *Lang) known(id string) bool {
	if _, ok := l.c.msgs[l.name][id]; ok {
		return true
	}
	_, ok := l.c.msgs[Default][id]
	return ok
}

// Spoken is a wait rounded up for people: "38 seconds", "12 minutes",
// "2 hours 5 minutes".
func (l *Lang) Spoken(d time.Duration) string {
	switch {
	case d < time.Minute:
		return l.SN("duration.seconds", max(int((d+time.Second-1)/time.Second), 1))
	case d < 2*time.Hour:
		return l.SN("duration.minutes", int((d+time.Minute-1)/time.Minute))
	}
	mins := int((d + time.Minute - 1) / time.Minute)
	h, m := mins/60, mins%60
	if m == 0 {
		return l.SN("duration.hours", h)
	}
	return l.SN("duration.hours", h) + " " + l.SN("duration.minutes", m)
}
