package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/chataccess/chataccess/config"
)

func TestValidateCronSpec(t *testing.T) {
	good := []string{
		"0 9 1 1,4,7,10 *", "*/15 * * * *", "0 0 * * 0", "30 8 * * MON-FRI", "0 12 1-7 * mon",
		"0 0 1 JAN,jul *", "5/10 * * * *", "0-30/5 8-18 * * 1-5", "0 9 ? * 1", "0 9 29 2 *",
		"0 0 31 1-12 *", "0 0 31 2,3 *", "0 0 30 2 1", "0  9\t1 * *",
		"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
	}
	for _, s := range good {
		if err := config.ValidateCronSpec(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
		if _, err := cron.ParseStandard(s); err != nil {
			t.Errorf("%q accepted here but robfig/cron says %v", s, err)
		}
	}
	// wrapped: robfig/cron's parser refused the spec, and the CronError
	// wraps its error; the others are this package's own rules.
	bad := []struct {
		spec, msg string
		wrapped   bool
	}{
		{"", `cron spec "" is empty`, false},
		{"0 9 * *", `cron spec "0 9 * *" has 4 fields; want 5 (minute hour day-of-month month day-of-week) or a descriptor like @weekly`, false},
		{"0 0 9 * * *", `cron spec "0 0 9 * * *" has 6 fields; want 5 (minute hour day-of-month month day-of-week) or a descriptor like @weekly`, false},
		{"60 * * * *", `cron spec "60 * * * *": minute "60" is invalid: end of range (60) above maximum (59): 60`, true},
		{"0 24 * * *", `cron spec "0 24 * * *": hour "24" is invalid: end of range (24) above maximum (23): 24`, true},
		{"0 0 0 * *", `cron spec "0 0 0 * *": day-of-month "0" is invalid: beginning of range (0) below minimum (1): 0`, true},
		{"0 0 * 13 *", `cron spec "0 0 * 13 *": month "13" is invalid: end of range (13) above maximum (12): 13`, true},
		{"0 0 * * 7", `cron spec "0 0 * * 7": day-of-week "7" is invalid: end of range (7) above maximum (6): 7`, true},
		{"0 0 * * 1-9", `cron spec "0 0 * * 1-9": day-of-week "1-9" is invalid: end of range (9) above maximum (6): 1-9`, true},
		{"0 0 * * FRI-MON", `cron spec "0 0 * * FRI-MON": day-of-week "FRI-MON" is invalid: beginning of range (5) beyond end of range (1): FRI-MON`, true},
		{"*/0 * * * *", `cron spec "*/0 * * * *": minute "*/0" is invalid: step of range should be a positive number: */0`, true},
		{"*/x * * * *", `cron spec "*/x * * * *": minute "*/x" is invalid: failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax`, true},
		{"1,,2 * * * *", `cron spec "1,,2 * * * *": minute "1,,2" has an empty list item`, false},
		{"0 0 * * 1,", `cron spec "0 0 * * 1,": day-of-week "1," has an empty list item`, false},
		{"*-5 * * * *", `cron spec "*-5 * * * *": minute "*-5" is not a number, name, range or step`, false},
		{"? * * * *", `cron spec "? * * * *": minute "?" is only for day-of-month and day-of-week`, false},
		{"0 0 * JAN-DEX *", `cron spec "0 0 * JAN-DEX *": month "JAN-DEX" is invalid: failed to parse int from DEX: strconv.Atoi: parsing "DEX": invalid syntax`, true},
		{"0 0 * * MONDAY", `cron spec "0 0 * * MONDAY": day-of-week "MONDAY" is invalid: failed to parse int from MONDAY: strconv.Atoi: parsing "MONDAY": invalid syntax`, true},
		{"0 0 1-2-3 * *", `cron spec "0 0 1-2-3 * *": day-of-month "1-2-3" is invalid: too many hyphens: 1-2-3`, true},
		{"1/2/3 * * * *", `cron spec "1/2/3 * * * *": minute "1/2/3" is invalid: too many slashes: 1/2/3`, true},
		{"0 0 30 2 *", `cron spec "0 0 30 2 *" never fires: no chosen month has the chosen days`, false},
		{"0 0 31 4,6,9,11 *", `cron spec "0 0 31 4,6,9,11 *" never fires: no chosen month has the chosen days`, false},
		{"@every 1h", `cron spec "@every 1h" uses @every; use a 5-field spec or @daily, @weekly, @monthly, @yearly`, false},
		{"@Weekly", `cron spec "@Weekly" is not a known descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)`, true},
		{"@weekly ", `cron spec "@weekly " is not a known descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)`, true},
		{"TZ=UTC 0 9 * * *", `cron spec "TZ=UTC 0 9 * * *" sets a time zone; use time_zone instead`, false},
		// robfig/cron's parser panics on a zone prefix without a space.
		{"TZ=UTC", `cron spec "TZ=UTC" sets a time zone; use time_zone instead`, false},
		{" CRON_TZ=Europe/Berlin 0 9 * * *", `cron spec " CRON_TZ=Europe/Berlin 0 9 * * *" sets a time zone; use time_zone instead`, false},
		{"0 9 * * ſun", `cron spec "0 9 * * ſun": day-of-week "ſun" is invalid: failed to parse int from ſun: strconv.Atoi: parsing "ſun": invalid syntax`, true},
		{"+1 * * * *", `cron spec "+1 * * * *": minute "+1" is not a number, name, range or step`, false},
	}
	for _, c := range bad {
		err := config.ValidateCronSpec(c.spec)
		var ce *config.CronError
		if !errors.As(err, &ce) {
			t.Errorf("%q: err = %v", c.spec, err)
			continue
		}
		if err.Error() != c.msg {
			t.Errorf("%q:\n got %s\nwant %s", c.spec, err, c.msg)
		}
		if wrapped := errors.Unwrap(err) != nil; wrapped != c.wrapped {
			t.Errorf("%q: wraps robfig/cron's error: %v, want %v", c.spec, wrapped, c.wrapped)
		}
	}
}

// TestCronNeverFiresAgreesWithRobfig: what we call "never fires" has no
// next time in robfig/cron either, and the Feb 29 case does.
func TestCronNeverFiresAgreesWithRobfig(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, s := range []string{"0 0 30 2 *", "0 0 31 4,6,9,11 *"} {
		sch, err := cron.ParseStandard(s)
		if err != nil {
			t.Fatal(err)
		}
		if next := sch.Next(from); !next.IsZero() {
			t.Errorf("%q fires at %v", s, next)
		}
	}
	sch, _ := cron.ParseStandard("0 9 29 2 *")
	if next := sch.Next(from); next.Year() != 2028 {
		t.Errorf("Feb 29 next = %v", next)
	}
}

// FuzzCron: the validator never panics, and every spec it accepts is
// accepted by robfig/cron's standard parser (which the reviews package
// runs) and fires at some time.
func FuzzCron(f *testing.F) {
	for _, s := range []string{
		"0 9 1 1,4,7,10 *", "*/15 * * * *", "30 8 * * MON-FRI", "5/10 * * * *", "0 9 ? * 1",
		"0 0 31 2 *", "@weekly", "@every 1h", "TZ=UTC 0 9 * * *", "1,,2 * * * *", "0 0 * JAN-DEC/2 *",
		"59 23 31 12 6", "0-59/59 0-23/23 1-31/31 1-12/12 0-6/6",
	} {
		f.Add(s)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		err := config.ValidateCronSpec(spec)
		if err == nil {
			sch, perr := cron.ParseStandard(spec)
			if perr != nil {
				t.Fatalf("%q accepted but robfig/cron says %v", spec, perr)
			}
			if sch.Next(from).IsZero() {
				t.Fatalf("%q accepted but never fires", spec)
			}
			return
		}
		var ce *config.CronError
		if !errors.As(err, &ce) || ce.Spec != spec || strings.TrimSpace(err.Error()) == "" {
			t.Fatalf("%q: bad error %#v", spec, err)
		}
	})
}
