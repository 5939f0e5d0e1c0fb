package config_test

import (
	"os"
	"testing"
	"time"

	"github.com/chataccess/chataccess/config"
)

// BenchmarkParseExample parses and validates the example policy, as
// `serve` and `config check` do once at start.
func BenchmarkParseExample(b *testing.B) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		cfg, err := config.Parse(data, nil)
		if err != nil || cfg.Policy() == nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), "µs/file")
}

// BenchmarkValidateCronSpec checks one typical review schedule.
func BenchmarkValidateCronSpec(b *testing.B) {
	for b.Loop() {
		if err := config.ValidateCronSpec("0-30/5 8-18 1,15 JAN-DEC/3 MON-FRI"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/spec")
}
