package i18n

import (
	"strconv"
	"strings"
	"time"

	"github.com/chataccess/chataccess/bot"
)

// calendar holds a language's weekday and month names, read once from
// its catalog (time.weekdays and time.months, "|"-separated).
type calendar struct {
	weekdays []string // Sunday first, as time.Weekday counts
	months   []string // January first
}

func newCalendar(l *Lang) calendar {
	cal := calendar{weekdays: strings.Split(l.S("time.weekdays"), "|"), months: strings.Split(l.S("time.months"), "|")}
	if len(cal.weekdays) != 7 || len(cal.months) != 12 {
		cal = calendar{
			weekdays: []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
			months:   []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		}
	}
	return cal
}

// Time is the moment t as a bot.Time span: each viewer sees it in their
// own zone and format where the platform can; elsewhere the fallback
// says it in zone loc (UTC when nil), in this language's format.
func (l *Lang) Time(t time.Time, loc *time.Location, style bot.TimeStyle) bot.Text {
	return bot.Time(t, style, l.TimeText(t, loc, style))
}

// TimeText is the moment t written out in zone loc (UTC when nil), in
// this language's format: "Mon 2 Jan 15:04 UTC", "lun. 2 janv. à 15:04 UTC".
func (l *Lang) TimeText(t time.Time, loc *time.Location, style bot.TimeStyle) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	args := M{
		"Weekday": l.cal.weekdays[t.Weekday()], "Day": strconv.Itoa(t.Day()), "Month": l.cal.months[t.Month()-1],
		"Year": strconv.Itoa(t.Year()), "Hour": t.Format("15"), "Minute": t.Format("04"), "Zone": t.Format("MST"),
	}
	switch style {
	case bot.TimeClock:
		return l.S("time.clock", args)
	case bot.TimeDay:
		return l.S("time.day", args)
	}
	return l.S("time.day_and_clock", args)
}

const day = 24 * time.Hour

// Duration is a length of time people asked for: "30 days", "2 weeks",
// "1 day 6 hours"; zero or less is "permanent".
func (l *Lang) Duration(d time.Duration) string {
	if d <= 0 {
		return l.S("duration.permanent")
	}
	if w := int(d / (7 * day)); w > 0 && d%(7*day) == 0 {
		return l.SN("duration.weeks", w)
	}
	var parts []string
	if n := int(d / day); n > 0 {
		parts = append(parts, l.SN("duration.days", n))
		d -= time.Duration(n) * day
	}
	if n := int(d / time.Hour); n > 0 {
		parts = append(parts, l.SN("duration.hours", n))
		d -= time.Duration(n) * time.Hour
	}
	if n := int(d / time.Minute); n > 0 || len(parts) == 0 {
		parts = append(parts, l.SN("duration.minutes", max(n, 1)))
	}
	return strings.Join(parts, " ")
}

// Rough is a positive duration in its largest unit, for "ends in …":
// "3 days", "5 hours", "12 minutes", "a moment".
func (l *Lang) Rough(d time.Duration) string {
	switch {
	case d >= 2*day:
		return l.SN("duration.days", int(d/day))
	case d >= 2*time.Hour:
		return l.SN("duration.hours", int(d/time.Hour))
	case d >= 2*time.Minute:
		return l.SN("duration.minutes", int(d/time.Minute))
	}
	return l.S("duration.moment")
}
