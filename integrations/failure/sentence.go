package failure

import (
	"errors"
	"strconv"
	"strings"
)

// Sentence is Human's sentence as a message id and its arguments, for
// the catalogs: the vendor's (Phrase) when Explain has a sentence, else
// the one of the reason. key is "" when the vendor's sentence has no id;
// then only the English of Human says it.
func (e *Error) Sentence() (key string, args map[string]string) {
	if e.Explain != nil && e.Explain(e) != "" {
		if e.Phrase == nil {
			return "", nil
		}
		return e.Phrase(e)
	}
	return e.fallbackKey()
}

// Args are the arguments every failure sentence may name: Vendor (a
// nested "the vendor" when unknown), User, Object, Message.
func (e *Error) Args() map[string]string {
	a := map[string]string{"Vendor": e.Vendor, "User": e.User, "Object": e.Object, "Message": e.Message}
	if e.Vendor == "" {
		a["Vendor"], a["VendorKey"] = "The vendor", "failure.the_vendor"
	}
	return a
}

// WhenArgs adds When, the nested "in about 38 seconds" or "shortly", to
// args.
func (e *Error) WhenArgs(args map[string]string) map[string]string {
	args["When"] = e.When()
	if e.RetryAfter <= 0 {
		args["WhenKey"] = "failure.when.shortly"
		return args
	}
	args["WhenKey"], args["When.WaitDuration"] = "failure.when.in", e.RetryAfter.String()
	return args
}

func (e *Error) fallbackKey() (string, map[string]string) {
	a := e.Args()
	switch e.Reason {
	case ReasonRateLimited:
		return "failure.rate_limited", e.WhenArgs(a)
	case ReasonQuota:
		return "failure.quota", e.WhenArgs(a)
	case ReasonMaintenance:
		return "failure.maintenance", e.WhenArgs(a)
	case ReasonUnavailable:
		return "failure.unavailable", a
	case ReasonTimeout:
		return e.TimeoutKey("", "")
	case ReasonCanceled:
		return "failure.canceled", a
	case ReasonAuth:
		return "failure.auth", a
	case ReasonForbidden:
		return "failure.forbidden", a
	case ReasonNotFound:
		return e.about4(a, "failure.not_found.object_user", "failure.not_found.object", "failure.not_found.user", "failure.not_found.nothing")
	case ReasonConflict:
		return e.about4(a, "failure.conflict.object_user", "failure.conflict.object", "failure.conflict.user", "failure.conflict.nothing")
	case ReasonConfig:
		return withMessage(e, a, "failure.config.plain", "failure.config.message")
	case ReasonUnknown:
		return e.UnknownKey()
	}
	return withMessage(e, a, "failure.refused.plain", "failure.refused.message")
}

// about4 is the id for what the failure names (see about): object and
// user, object, user, or nothing.
func (e *Error) about4(a map[string]string, both, object, user, nothing string) (string, map[string]string) {
	switch {
	case e.Object != "" && e.User != "":
		return both, a
	case e.Object != "":
		return object, a
	case e.User != "":
		return user, a
	}
	return nothing, a
}

// withMessage is withIt when the vendor said something (the message
// without its final full stop), else plain.
func withMessage(e *Error, a map[string]string, plain, withIt string) (string, map[string]string) {
	if e.Message == "" {
		return plain, a
	}
	a["Message"] = trimStop(e.Message)
	return withIt, a
}

// TimeoutKey is TimeoutSentence's id and arguments; what (English) and
// whatKey (its id, "" for none) say what the call was doing, Op when
// both are empty.
func (e *Error) TimeoutKey(what, whatKey string) (string, map[string]string) {
	a := e.Args()
	if what == "" && whatKey == "" {
		what = e.Op
	}
	doing := what != "" || whatKey != ""
	if doing {
		a["What"] = what
		if whatKey != "" {
			a["WhatKey"] = whatKey
		}
	}
	if e.Waited > 0 {
		a["WaitedDuration"] = e.Waited.String()
		if doing {
			return "failure.timeout.within_doing", a
		}
		return "failure.timeout.within", a
	}
	if doing {
		return "failure.timeout.doing", a
	}
	return "failure.timeout.bare", a
}

// UnknownKey is UnknownSentence's id and arguments.
func (e *Error) UnknownKey() (string, map[string]string) {
	a := e.Args()
	id := e.Code
	if id == "" && e.Status != 0 {
		id = "HTTP " + strconv.Itoa(e.Status)
	}
	if id == "" {
		return "failure.unknown.plain", a
	}
	a["Answer"] = id
	if e.Message != "" {
		a["Answer"] = id + ": " + trimStop(e.Message)
	}
	return "failure.unknown.answer", a
}

// Sentence is the message id and arguments of err's sentence for people
// (see Human): of the first *Error in its chain, else of any error with
// a Sentence method; "" when it has none.
func Sentence(err error) (string, map[string]string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Sentence()
	}
	var s interface {
		Sentence() (string, map[string]string)
	}
	if errors.As(err, &s) {
		return s.Sentence()
	}
	return "", nil
}

// trimStop is s without its final full stop, so a sentence can go on.
func trimStop(s string) string { return strings.TrimRight(s, ". ") }
