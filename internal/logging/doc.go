// Package logging builds the zerolog logger every part of chataccess
// uses and fixes the field names, so logs from the chat adapters, the
// workers and the reviews read alike. The logger travels in the context
// (zerolog.Ctx); code that logs takes it from there.
package logging
