package teamsbot_test

import (
	"testing"

	"github.com/chataccess/chataccess/bot/teamsbot"
	"github.com/chataccess/chataccess/bot/teamsbot/teamsfake"
)

// BenchmarkParseActivity is the parsing step of the Ingress path: one
// channel message, as the Ingress benchmark sends.
func BenchmarkParseActivity(b *testing.B) {
	fake := teamsfake.New(teamsfake.Config{AppID: appID, AppPassword: secret, TenantID: tenantID})
	defer fake.Close()
	body := []byte(benchActivity(fake))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := teamsbot.ParseActivity(body); err != nil {
			b.Fatal(err)
		}
	}
}
