// Package config owns chataccess's configuration: the policy file (one
// YAML file, chataccess.yaml by default) and the environment (secrets
// and outside URLs).
//
// The file is read strictly. Every unknown or repeated key, every value
// of the wrong type and every invalid setting is reported at once, each
// with its YAML path, in one *ValidationError:
//
//	chataccess.yaml: config: 2 problems:
//	  packages.agent.approvers[2]: "bob@" is not an email
//	  reviews[0].schedule: cron spec "0 9 * *" has 4 fields; ...
//
// Load and Parse return a Config only when it is valid. The Config keeps
// the file's own shape and text; the typed views built from it are
// Policy (the approvals domain policy), ReviewSchedules (for the reviews
// package) and Settings (Slack, server, Redis, Adobe, Marketo and worker
// knobs, with defaults applied).
//
// Secrets never come from the file. LoadEnv reads them from NAME or
// NAME_FILE into Secret values, which print as "<secret>" through fmt,
// JSON, text, YAML and zerolog; Reveal is the only way to the value. Which
// secrets are required depends on the Slack mode, so that check,
// Env.CheckFor, is separate: `chataccess config check` validates a file
// on a machine that holds no secrets.
//
// Vendor facts behind the defaults and bounds are cited where they are
// declared (settings.go). Marketo's roles/create and roles/delete body
// shape is UNCONFIRMED upstream and therefore a setting
// (marketo.add_roles_body, marketo.delete_roles_body).
package config
