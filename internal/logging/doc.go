// Package logging builds the zerolog logger every part of chataccess
// uses and fixes the field names, so logs from the chat adapters, the
// workers and the reviews read alike. The logger travels in the context
// (zerolog.Ctx); code that logs takes it from there.
//
// Each line carries a key once. zerolog appends fields and cannot
// replace one, so the names are layered: a part's logger gets its
// component from the process logger (WithComponent), a part that runs
// inside another gets a subcomponent (WithSubcomponent), and a vendor
// client logging through its caller's logger says vendor and
// call_attempt. Package logtest checks JSON output for repeated keys.
package logging
