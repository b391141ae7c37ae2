package privacy

import (
	"bytes"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
)

// BenchmarkCodec is one encode and decode of a payload the size of a
// CallbackWorkflow input (about 1.6 KB of JSON).
func BenchmarkCodec(b *testing.B) {
	c, err := NewCodec(Keys{{ID: "k", Secret: bytes.Repeat([]byte{1}, keySize)}})
	if err != nil {
		b.Fatal(err)
	}
	in := []*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: bytes.Repeat([]byte("x"), 1600)}}
	b.ReportAllocs()
	for b.Loop() {
		enc, err := c.Encode(in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNumberHash is one CustomerNumber hash.
func BenchmarkNumberHash(b *testing.B) {
	h, err := NewNumberHasher(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.Hash("+1 (555) 010-1234")
	}
}
