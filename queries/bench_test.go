package queries

import (
	"testing"
	"time"

	"github.com/opengms/callback/callback"
)

// BenchmarkFilterWhere builds the SQL of a lookup by two keys with a state
// and a desired-time range (every lookup request builds one).
func BenchmarkFilterWhere(b *testing.B) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	f := Filter{
		Service: "callback-test",
		Matches: []Match{{Key: callback.KeyCustomerNumber, Value: "+16175550100"}, {Key: "usr_account", Value: "123456"}},
		State:   callback.Completed, NotState: true,
		From: now.Add(-24 * time.Hour), To: now.Add(7 * 24 * time.Hour),
	}
	b.ReportAllocs()
	for b.Loop() {
		if where, args := f.where(now); where == "" || len(args) == 0 {
			b.Fatal("empty filter")
		}
	}
}
