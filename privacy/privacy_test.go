package privacy

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

func key(id string, b byte) Key { return Key{ID: id, Secret: bytes.Repeat([]byte{b}, keySize)} }

func TestCodecRoundTripHidesData(t *testing.T) {
	c, err := NewCodec(Keys{key("a", 1)})
	require.NoError(t, err)
	dc := DataConverter(c)
	p, err := dc.ToPayload(map[string]string{"_customer_number": "+15550101234", "usr_name": "Ada Lovelace"})
	require.NoError(t, err)
	require.Equal(t, EncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))
	require.Equal(t, "a", string(p.Metadata[MetadataKeyID]))
	raw, err := p.Marshal()
	require.NoError(t, err)
	for _, secret := range []string{"5550101234", "Ada", "json/plain", "_customer_number"} {
		require.NotContains(t, string(raw), secret)
	}
	var back map[string]string
	require.NoError(t, dc.FromPayload(p, &back))
	require.Equal(t, "Ada Lovelace", back["usr_name"])
}

func TestCodecRotation(t *testing.T) {
	old, err := NewCodec(Keys{key("old", 1)})
	require.NoError(t, err)
	sealed, err := old.Encode([]*commonpb.Payload{{Data: []byte("x")}})
	require.NoError(t, err)

	rotated, err := NewCodec(Keys{key("new", 2), key("old", 1)})
	require.NoError(t, err)
	plain, err := rotated.Decode(sealed)
	require.NoError(t, err, "a retired key still decrypts")
	require.Equal(t, "x", string(plain[0].Data))
	again, err := rotated.Encode(plain)
	require.NoError(t, err)
	require.Equal(t, "new", string(again[0].Metadata[MetadataKeyID]), "the first key encrypts")

	newOnly, err := NewCodec(Keys{key("new", 2)})
	require.NoError(t, err)
	_, err = newOnly.Decode(sealed)
	require.ErrorContains(t, err, `key "old"`)
}

func TestCodecRejectsTampering(t *testing.T) {
	c, err := NewCodec(Keys{key("a", 1)})
	require.NoError(t, err)
	sealed, err := c.Encode([]*commonpb.Payload{{Data: []byte("hello")}})
	require.NoError(t, err)
	sealed[0].Data[len(sealed[0].Data)-1] ^= 1
	_, err = c.Decode(sealed)
	require.Error(t, err)

	// A key ID swapped to another key of the ring fails too (bound as AAD).
	two, err := NewCodec(Keys{key("a", 1), key("b", 1)})
	require.NoError(t, err)
	sealed, err = two.Encode([]*commonpb.Payload{{Data: []byte("hello")}})
	require.NoError(t, err)
	sealed[0].Metadata[MetadataKeyID] = []byte("b")
	_, err = two.Decode(sealed)
	require.Error(t, err)
}

func TestCodecPassesPlainPayloads(t *testing.T) {
	c, err := NewCodec(Keys{key("a", 1)})
	require.NoError(t, err)
	in := []*commonpb.Payload{{Metadata: map[string][]byte{converter.MetadataEncoding: []byte("json/plain")}, Data: []byte(`"x"`)}}
	out, err := c.Decode(in)
	require.NoError(t, err)
	require.Equal(t, in[0], out[0])
}

func TestParseKeys(t *testing.T) {
	k := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, keySize))
	ks, err := ParseKeys("# comment\nnew:" + k + "\n\nold:" + k + "\n")
	require.NoError(t, err)
	require.Equal(t, []string{"new", "old"}, []string{ks[0].ID, ks[1].ID})
	again, err := ParseKeys(ks.String())
	require.NoError(t, err)
	require.Equal(t, ks, again)
	ks, err = ParseKeys("a:" + k + ",b:" + k)
	require.NoError(t, err)
	require.Len(t, ks, 2)
	for in, want := range map[string]string{
		"":                   "no key",
		"a" + k:              "want id:base64-key",
		"a:!!!":              "not base64",
		"a:" + k[:8]:         "AES-256 needs 32",
		"a:" + k + ",a:" + k: "listed twice",
	} {
		_, err := ParseKeys(in)
		require.ErrorContains(t, err, want, in)
		require.NotContains(t, err.Error(), k, "a secret is never in an error")
	}
}

func TestNumberHash(t *testing.T) {
	h, err := NewNumberHasher(bytes.Repeat([]byte{1}, 32))
	require.NoError(t, err)
	a := h.Hash("+1 (555) 010-1234")
	require.Len(t, a, 64)
	require.Equal(t, a, h.Hash("+15550101234"))
	require.NotEqual(t, a, h.Hash("15550101234"), "the + is part of the number")
	require.NotContains(t, a, "5550101234")
	require.Equal(t, "", h.Hash("  "))
	require.Equal(t, "sip:ada@example.com", NormalNumber(" sip:ada@example.com "))
	other, err := NewNumberHasher(bytes.Repeat([]byte{2}, 32))
	require.NoError(t, err)
	require.NotEqual(t, a, other.Hash("+15550101234"), "keyed: another key, another hash")
	_, err = NewNumberHasher([]byte("short"))
	require.Error(t, err)
}

func TestLoad(t *testing.T) {
	_, err := Load(Sources{}, "")
	require.ErrorIs(t, err, ErrNoSecrets)

	dir := t.TempDir()
	dev, err := Load(Sources{}, dir)
	require.NoError(t, err)
	again, err := Load(Sources{}, dir)
	require.NoError(t, err)
	require.Equal(t, dev.Payload, again.Payload, "the development keys are created once, then reused")
	require.Equal(t, dev.NumberHash, again.NumberHash)
	info, err := os.Stat(filepath.Join(dir, PayloadKeysFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	payload, err := os.ReadFile(filepath.Join(dir, PayloadKeysFile))
	require.NoError(t, err)
	hashKey, err := os.ReadFile(filepath.Join(dir, NumberHashKeyFile))
	require.NoError(t, err)
	inline, err := Load(Sources{PayloadKeys: strings.ReplaceAll(string(payload), "\n", ","), NumberHashKey: string(hashKey)}, "")
	require.NoError(t, err)
	require.Equal(t, dev.Payload, inline.Payload)
	files, err := Load(DirSources(dir), "")
	require.NoError(t, err)
	require.Equal(t, dev.NumberHash, files.NumberHash)

	_, err = Load(Sources{PayloadKeys: string(payload), PayloadKeysFile: "x", NumberHashKey: string(hashKey)}, "")
	require.ErrorContains(t, err, "not both")
	_, err = Load(Sources{PayloadKeys: string(payload)}, dir)
	require.ErrorContains(t, err, "GMS_NUMBER_HASH_KEY", "half a configuration is refused, not completed with development keys")
	_, err = Load(Sources{PayloadKeys: string(payload), NumberHashKey: "c2hvcnQ="}, "")
	require.ErrorContains(t, err, "at least 32")
}
