// Package inventory adapts the Adobe UMAPI and Marketo clients to the
// reviews package's Adobe and Marketo ports, so the reviews domain stays
// free of vendor types. It is the only part of reviews that imports the
// integrations.
package inventory
