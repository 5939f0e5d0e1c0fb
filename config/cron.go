package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// CronError says what is wrong with a cron spec.
type CronError struct {
	Spec string
	// Field is "minute", "hour", "day-of-month", "month" or
	// "day-of-week"; empty when the spec as a whole is wrong.
	Field  string
	Reason string
	// Err is robfig/cron's parse error when its parser refused the
	// spec; nil when a rule of this package did.
	Err error
}

func (e *CronError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("cron spec %s %s", quote(truncate(e.Spec, 60)), e.Reason)
	}
	return fmt.Sprintf("cron spec %s: %s %s", quote(truncate(e.Spec, 60)), e.Field, e.Reason)
}

// Unwrap returns robfig/cron's parse error, if any.
func (e *CronError) Unwrap() error { return e.Err }

// cronFieldNames name the five fields of a standard spec, in order.
var cronFieldNames = [5]string{"minute", "hour", "day-of-month", "month", "day-of-week"}

// cronItem is one list item robfig/cron reads the way it looks: "*" or
// "?", a number or name, or a range, each with an optional step.
// robfig/cron also takes "*-5" (as "*"), "+1" and empty list items
// ("1,,2"); those are typos here.
var cronItem = regexp.MustCompile(`^(?:[*?]|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:/[0-9]+)?$`)

// cronReference is where the never-fires check starts counting; any
// fixed time does, since a schedule that fires at all fires within
// four years of any time (29 February).
var cronReference = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ValidateCronSpec checks a spec for robfig/cron/v3's ParseStandard,
// the parser the reviews package runs: 5 fields (minute hour
// day-of-month month day-of-week, day-of-week 0-6 with 0 = Sunday) or a
// descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight,
// @hourly). On top of that parser it refuses
//
//   - a time-zone prefix (TZ=, CRON_TZ=): the review's time_zone sets it;
//   - "@every <duration>": reviews run on calendar dates, not intervals;
//   - list items robfig/cron reads other than they look: "*-5", "+1",
//     "1,,2", and "?" outside the day fields;
//   - a spec that never fires, such as "0 0 30 2 *".
//
// It returns nil or a *CronError, which wraps robfig/cron's error when
// that parser refused the spec.
func ValidateCronSpec(spec string) error {
	bad := func(field, reason string, err error) error {
		return &CronError{Spec: spec, Field: field, Reason: reason, Err: err}
	}
	fields := strings.Fields(spec)
	switch {
	case len(fields) == 0:
		return bad("", "is empty", nil)
	case strings.HasPrefix(fields[0], "TZ=") || strings.HasPrefix(fields[0], "CRON_TZ="):
		// Also keeps robfig/cron away from "TZ=x" without a space,
		// which panics in its parser.
		return bad("", "sets a time zone; use time_zone instead", nil)
	case strings.HasPrefix(spec, "@every"):
		return bad("", "uses @every; use a 5-field spec or @daily, @weekly, @monthly, @yearly", nil)
	case strings.HasPrefix(spec, "@"):
		if _, err := cron.ParseStandard(spec); err != nil {
			return bad("", "is not a known descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)", err)
		}
		return nil
	case len(fields) != 5:
		return bad("", fmt.Sprintf("has %d fields; want 5 (minute hour day-of-month month day-of-week) or a descriptor like @weekly", len(fields)), nil)
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		i := cronBadField(fields)
		if i < 0 {
			return bad("", "is invalid: "+truncate(err.Error(), 120), err)
		}
		return bad(cronFieldNames[i], fmt.Sprintf("%s is invalid: %s", quote(truncate(fields[i], 20)), truncate(err.Error(), 120)), err)
	}
	for i, f := range fields {
		for _, item := range strings.Split(f, ",") {
			switch {
			case item == "":
				return bad(cronFieldNames[i], quote(truncate(f, 20))+" has an empty list item", nil)
			case !cronItem.MatchString(item):
				return bad(cronFieldNames[i], quote(truncate(item, 20))+" is not a number, name, range or step", nil)
			case strings.HasPrefix(item, "?") && i != 2 && i != 4:
				return bad(cronFieldNames[i], `"?" is only for day-of-month and day-of-week`, nil)
			}
		}
	}
	// Next gives the zero time when nothing matches within five years.
	if next := sched.Next(cronReference); next.IsZero() || next.After(cronReference.AddDate(5, 0, 0)) {
		return bad("", "never fires: no chosen month has the chosen days", nil)
	}
	return nil
}

// cronBadField returns the index of the first field robfig/cron refuses
// on its own (the others set to "*"), or -1.
func cronBadField(fields []string) int {
	for i, f := range fields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = f
		if _, err := cron.ParseStandard(strings.Join(probe, " ")); err != nil {
			return i
		}
	}
	return -1
}
