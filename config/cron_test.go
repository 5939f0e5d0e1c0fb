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
	bad := []struct{ spec, msg string }{
		{"", `cron spec "" is empty`},
		{"0 9 * *", `cron spec "0 9 * *" has 4 fields; want 5 (minute hour day-of-month month day-of-week) or a descriptor like @weekly`},
		{"0 0 9 * * *", `cron spec "0 0 9 * * *" has 6 fields; want 5 (minute hour day-of-month month day-of-week) or a descriptor like @weekly`},
		{"60 * * * *", `cron spec "60 * * * *": minute "60" is out of range 0-59`},
		{"0 24 * * *", `cron spec "0 24 * * *": hour "24" is out of range 0-23`},
		{"0 0 0 * *", `cron spec "0 0 0 * *": day-of-month "0" is out of range 1-31`},
		{"0 0 * 13 *", `cron spec "0 0 * 13 *": month "13" is out of range 1-12`},
		{"0 0 * * 7", `cron spec "0 0 * * 7": day-of-week "7" is out of range 0-6`},
		{"0 0 * * 1-9", `cron spec "0 0 * * 1-9": day-of-week "9" is out of range 0-6`},
		{"0 0 * * FRI-MON", `cron spec "0 0 * * FRI-MON": day-of-week range "FRI-MON" runs backwards`},
		{"*/0 * * * *", `cron spec "*/0 * * * *": minute step 0 is out of range 1-59`},
		{"*/x * * * *", `cron spec "*/x * * * *": minute step "x" is not a number`},
		{"1,,2 * * * *", `cron spec "1,,2 * * * *": minute "1,,2" has an empty list item`},
		{"*-5 * * * *", `cron spec "*-5 * * * *": minute "*" is not a number or name`},
		{"? * * * *", `cron spec "? * * * *": minute "?" is not a number or name`},
		{"0 0 * JAN-DEX *", `cron spec "0 0 * JAN-DEX *": month "DEX" is not a number or name`},
		{"0 0 * * MONDAY", `cron spec "0 0 * * MONDAY": day-of-week "MONDAY" is not a number or name`},
		{"0 0 1-2-3 * *", `cron spec "0 0 1-2-3 * *": day-of-month "2-3" is not a number or name`},
		{"1/2/3 * * * *", `cron spec "1/2/3 * * * *": minute step "2/3" is not a number`},
		{"0 0 30 2 *", `cron spec "0 0 30 2 *" never fires: no chosen month has the chosen days`},
		{"0 0 31 4,6,9,11 *", `cron spec "0 0 31 4,6,9,11 *" never fires: no chosen month has the chosen days`},
		{"@every 1h", `cron spec "@every 1h" uses @every; use a 5-field spec or @daily, @weekly, @monthly, @yearly`},
		{"@Weekly", `cron spec "@Weekly" is not a known descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)`},
		{"@weekly ", `cron spec "@weekly " is not a known descriptor (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)`},
		{"TZ=UTC 0 9 * * *", `cron spec "TZ=UTC 0 9 * * *" sets a time zone; use time_zone instead`},
		{"0 9 * * ſun", `cron spec "0 9 * * ſun": day-of-week "ſun" is not a number or name`},
		{"+1 * * * *", `cron spec "+1 * * * *": minute "+1" is not a number or name`},
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
