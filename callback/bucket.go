package callback

import "time"

// Bucket is a time bucket of `_request_time_bucket` minutes and how many
// scheduled callbacks it may hold.
type Bucket struct {
	Start, End time.Time
	Capacity   int
}

// Slot is the bucket as the GMS messages write it: `[start, end]`.
func (b Bucket) Slot() string { return "[" + FormatTime(b.Start) + ", " + FormatTime(b.End) + "]" }
