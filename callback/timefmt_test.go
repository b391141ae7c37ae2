package callback

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The hand-written formatting matches time.Format for every instant,
// zone and year, the out-of-range years included.
func TestFormatTimeMatchesTimeFormat(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("odd", -(9*3600 + 30*60))}
	for _, name := range []string{"America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"} {
		l, err := time.LoadLocation(name)
		require.NoError(t, err)
		zones = append(zones, l)
	}
	r := rand.New(rand.NewPCG(1, 2))
	instants := []time.Time{time.Unix(0, 0), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 1, 0, 0, 0, 0, time.UTC)}
	for range 5000 {
		instants = append(instants, time.Unix(r.Int64N(400*365*86400)-100*365*86400, r.Int64N(1e9)))
	}
	for _, at := range instants {
		require.Equal(t, at.UTC().Format("2006-01-02T15:04:05.000Z"), FormatTime(at), "%v", at)
		for _, z := range zones {
			require.Equal(t, at.In(z).Format("2006-01-02T15:04:05.000"), FormatLocal(at.In(z)), "%v in %v", at, z)
		}
	}
}

func BenchmarkFormatTime(b *testing.B) {
	at := time.Date(2026, 11, 25, 6, 5, 0, 0, time.UTC)
	for b.Loop() {
		_ = FormatTime(at)
	}
}
