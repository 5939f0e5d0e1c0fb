package marketo

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chataccess/chataccess/integrations/marketo/marketofake"
)

// BenchmarkRoleChange measures an add plus a remove of one role against
// the emulator (no rate limiter), and the API calls each pair costs.
func BenchmarkRoleChange(b *testing.B) {
	p := newPair(b, marketofake.Options{RateLimit: 1 << 30}, Config{}, WithClock(time.Now))
	p.seed(b)
	ctx := context.Background()
	p.fake.ResetRecords()
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.client.AddRole(ctx, "bob@example.com", 101, 1); err != nil {
			b.Fatal(err)
		}
		if _, err := p.client.RemoveRole(ctx, "bob@example.com", 101, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(p.fake.Stats().Calls)/float64(b.N), "calls/op")
	b.ReportMetric(float64(2*b.N)/b.Elapsed().Seconds(), "changes/s")
}

// BenchmarkFindUserByEmail finds the last of 1000 users (5 pages).
func BenchmarkFindUserByEmail(b *testing.B) {
	p := newPair(b, marketofake.Options{RateLimit: 1 << 30}, Config{}, WithClock(time.Now))
	for i := range 1000 {
		if err := p.fake.AddUser(marketofake.User{EmailAddress: fmt.Sprintf("user%04d@example.com", i)}); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	if _, err := p.client.FindUserByEmail(ctx, "user0999@example.com"); err != nil {
		b.Fatal(err)
	}
	p.fake.ResetRecords()
	b.ResetTimer()
	for b.Loop() {
		if _, err := p.client.FindUserByEmail(ctx, "user0999@example.com"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(p.fake.Stats().Calls)/float64(b.N), "calls/op")
}

// BenchmarkParseUsersPage parses a full allusers.json page of 200 users.
func BenchmarkParseUsersPage(b *testing.B) {
	var page []map[string]any
	for i := range MaxPageSize {
		page = append(page, map[string]any{"userid": fmt.Sprintf("u%d@example.com", i), "firstName": "F", "lastName": "L",
			"emailAddress": fmt.Sprintf("u%d@example.com", i), "id": i, "apiOnly": false})
	}
	body, _ := json.Marshal(page)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseUsers(body); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*MaxPageSize), "ns/user")
}
