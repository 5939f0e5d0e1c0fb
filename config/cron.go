package config

import (
	"fmt"
	"strconv"
	"strings"
)

// CronError says what is wrong with a cron spec.
type CronError struct {
	Spec string
	// Field is "minute", "hour", "day-of-month", "month" or
	// "day-of-week"; empty when the spec as a whole is wrong.
	Field  string
	Reason string
}

func (e *CronError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("cron spec %s %s", quote(truncate(e.Spec, 60)), e.Reason)
	}
	return fmt.Sprintf("cron spec %s: %s %s", quote(truncate(e.Spec, 60)), e.Field, e.Reason)
}

// cronDescriptors are the predefined schedules robfig/cron's standard
// parser reads. "@every <duration>" is left out on purpose: reviews run
// on calendar dates, not intervals.
var cronDescriptors = map[string]bool{
	"@yearly": true, "@annually": true, "@monthly": true, "@weekly": true,
	"@daily": true, "@midnight": true, "@hourly": true,
}

type cronField struct {
	name     string
	min, max int
	names    []string // names[i] stands for min+i
	question bool     // "?" allowed (day fields)
}

var cronFields = [5]cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, question: true},
	{name: "month", min: 1, max: 12, names: []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{name: "day-of-week", min: 0, max: 6, question: true, names: []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

// ValidateCronSpec checks a standard 5-field cron spec (minute hour
// day-of-month month day-of-week) or a descriptor (@yearly, @annually,
// @monthly, @weekly, @daily, @midnight, @hourly). Fields take numbers,
// "*", ranges "a-b", steps "*/n", "a-b/n" and "a/n" (a to the maximum),
// lists "a,b", and month and weekday names (JAN, mon) in any case;
// day-of-week is 0-6 with 0 = Sunday. The time zone is not part of the
// spec ("TZ=" prefixes are refused). It also refuses a spec that can
// never fire, such as "0 0 31 2 *".
//
// It returns nil or a *CronError. Every spec it accepts is accepted by
// robfig/cron/v3's ParseStandard with the same meaning; it is stricter
// in places (no empty list items, no "*-5", steps within the field).
func ValidateCronSpec(spec string) error {
	bad := func(field, format string, args ...any) error {
		return &CronError{Spec: spec, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case strings.TrimSpace(spec) == "":
		return bad("", "is empty")
	case strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ="):
		return bad("", "sets a time zone; use time_zone instead")
	case strings.HasPrefix(spec, "@"):
		if cronDescriptors[spec] {
			return nil
		}
		if strings.HasPrefix(spec, "@every") {
			return bad("", "uses @every; use a 5-field spec or @daily, @weekly, @monthly, @yearly")
		}
		return bad("", "is not a known descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)")
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return bad("", "has %d fields; want 5 (minute hour day-of-month month day-of-week) or a descriptor like @weekly", len(fields))
	}
	var sets [5]uint64
	var star [5]bool
	for i, f := range fields {
		set, isStar, err := parseCronField(f, cronFields[i])
		if err != "" {
			return bad(cronFields[i].name, "%s", err)
		}
		sets[i], star[i] = set, isStar
	}
	// robfig/cron matches days with AND when either day field is a star,
	// else with OR. Only "day-of-week is *" can make a spec never fire:
	// the day-of-month values must then exist in some chosen month.
	if star[4] && !star[2] && !daysExist(sets[2], sets[3]) {
		return bad("", "never fires: no chosen month has the chosen days")
	}
	return nil
}

// daysInMonth counts February as 29: a Feb 29 schedule fires in leap years.
var daysInMonth = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func daysExist(days, months uint64) bool {
	for m := 1; m <= 12; m++ {
		if months&(1<<m) == 0 {
			continue
		}
		for d := 1; d <= daysInMonth[m]; d++ {
			if days&(1<<d) != 0 {
				return true
			}
		}
	}
	return false
}

// parseCronField returns the set of values a field selects and whether
// it counts as a star for day matching (as robfig/cron reads it: "*",
// "?" and "*/1", but not "*/2"). err is a reason, or "".
func parseCronField(f string, r cronField) (set uint64, isStar bool, err string) {
	items := strings.Split(f, ",")
	for _, item := range items {
		if item == "" {
			return 0, false, fmt.Sprintf("%s has an empty list item", quote(f))
		}
		s, st, e := parseCronItem(item, r)
		if e != "" {
			return 0, false, e
		}
		set |= s
		isStar = isStar || st
	}
	return set, isStar, ""
}

func parseCronItem(item string, r cronField) (set uint64, isStar bool, err string) {
	rng, stepText, hasStep := strings.Cut(item, "/")
	step := 1
	if hasStep {
		n, ok := cronNumber(stepText)
		if !ok {
			return 0, false, fmt.Sprintf("step %s is not a number", quote(truncate(stepText, 20)))
		}
		if n < 1 || n > r.max {
			return 0, false, fmt.Sprintf("step %d is out of range 1-%d", n, r.max)
		}
		step = n
	}
	var lo, hi int
	switch {
	case rng == "*" || (rng == "?" && r.question):
		lo, hi = r.min, r.max
		isStar = step == 1
	default:
		a, b, isRange := strings.Cut(rng, "-")
		var ok bool
		if lo, ok = r.value(a); !ok {
			return 0, false, fmt.Sprintf("%s is not a number or name", quote(truncate(a, 20)))
		}
		hi = lo
		switch {
		case isRange:
			if hi, ok = r.value(b); !ok {
				return 0, false, fmt.Sprintf("%s is not a number or name", quote(truncate(b, 20)))
			}
		case hasStep:
			hi = r.max // "a/n" means a to the maximum
		}
		if lo < r.min || lo > r.max {
			return 0, false, fmt.Sprintf("%s is out of range %d-%d", quote(a), r.min, r.max)
		}
		if hi < r.min || hi > r.max {
			return 0, false, fmt.Sprintf("%s is out of range %d-%d", quote(b), r.min, r.max)
		}
		if lo > hi {
			return 0, false, fmt.Sprintf("range %s runs backwards", quote(rng))
		}
	}
	for v := lo; v <= hi; v += step {
		set |= 1 << v
	}
	return set, isStar, ""
}

// value reads a number or, where the field has names, a name.
func (r cronField) value(s string) (int, bool) {
	// Lower-case then compare, as robfig/cron does; EqualFold would also
	// accept Unicode folds ("ſun") that robfig/cron refuses.
	low := strings.ToLower(s)
	for i, n := range r.names {
		if low == n {
			return r.min + i, true
		}
	}
	return cronNumber(s)
}

// cronNumber reads 1 to 3 decimal digits.
func cronNumber(s string) (int, bool) {
	if s == "" || len(s) > 3 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
