package privacy

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Payload metadata of an encrypted payload.
const (
	// EncodingEncrypted is the `encoding` of a payload this codec wrote.
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID names the key that encrypted the payload.
	MetadataKeyID = "encryption-key-id"
)

// Codec is a converter.PayloadCodec that encrypts each payload, metadata
// included, with AES-256-GCM under the ring's first key; the key ID is in
// the encrypted payload's metadata and bound to the ciphertext.
type Codec struct {
	encrypt Key
	aeads   map[string]cipher.AEAD
}

var _ converter.PayloadCodec = (*Codec)(nil)

// NewCodec is a codec of the key ring ks.
func NewCodec(ks Keys) (*Codec, error) {
	if len(ks) == 0 {
		return nil, errors.New("payload codec: no key")
	}
	c := &Codec{encrypt: ks[0], aeads: make(map[string]cipher.AEAD, len(ks))}
	for _, k := range ks {
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k.ID, err)
		}
		if c.aeads[k.ID], err = cipher.NewGCM(block); err != nil {
			return nil, fmt.Errorf("key %q: %w", k.ID, err)
		}
	}
	return c, nil
}

// Encode encrypts every payload (one already encrypted is kept as it is).
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	aead := c.aeads[c.encrypt.ID]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if encrypted(p) {
			out[i] = p
			continue
		}
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("payload codec: %w", err)
		}
		sealed := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(sealed); err != nil {
			return payloads, fmt.Errorf("payload codec: nonce: %w", err)
		}
		sealed = aead.Seal(sealed, sealed, plain, []byte(c.encrypt.ID))
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(c.encrypt.ID),
			},
			Data: sealed,
		}
	}
	return out, nil
}

// Decode decrypts every encrypted payload with the key it names; others
// pass unchanged (histories written before encryption was turned on).
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !encrypted(p) {
			out[i] = p
			continue
		}
		id := string(p.Metadata[MetadataKeyID])
		aead, ok := c.aeads[id]
		if !ok {
			return payloads, fmt.Errorf("payload codec: payload encrypted with key %q, which is not in the key ring", id)
		}
		n := aead.NonceSize()
		if len(p.Data) < n+aead.Overhead() {
			return payloads, errors.New("payload codec: encrypted payload too short")
		}
		plain, err := aead.Open(nil, p.Data[:n], p.Data[n:], []byte(id))
		if err != nil {
			return payloads, fmt.Errorf("payload codec: decrypt with key %q: %w", id, err)
		}
		var dec commonpb.Payload
		if err := proto.Unmarshal(plain, &dec); err != nil {
			return payloads, fmt.Errorf("payload codec: %w", err)
		}
		out[i] = &dec
	}
	return out, nil
}

func encrypted(p *commonpb.Payload) bool {
	return string(p.GetMetadata()[converter.MetadataEncoding]) == EncodingEncrypted
}
