package marketo

import (
	"time"
	// The quota reset is computed in America/Chicago; embedding the zone
	// database makes that work on images without tzdata.
	_ "time/tzdata"
)

// UntilQuotaReset is how long from now until the daily quota resets:
// "resets daily at 12:00AM CST" (mkto-dev:help/rest-api/error-codes.md,
// code 607). It is read as midnight US Central local time, so daylight
// saving time moves it to 05:00 UTC in summer and 06:00 UTC in winter.
func UntilQuotaReset(now time.Time) time.Duration {
	return NextQuotaReset(now).Sub(now)
}

// NextQuotaReset is the first midnight in US Central time strictly after now.
func NextQuotaReset(now time.Time) time.Time {
	loc := centralTime()
	l := now.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
}

// centralTime loads America/Chicago, falling back to a fixed UTC-6 zone
// (CST) if the zone database cannot be read.
func centralTime() *time.Location {
	if loc, err := time.LoadLocation("America/Chicago"); err == nil {
		return loc
	}
	return time.FixedZone("CST", -6*3600)
}
