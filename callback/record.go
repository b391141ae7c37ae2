package callback

import "time"

// Record is one callback as the workflow holds it and the read model stores
// it. Properties holds every other property (user data included); the named
// fields are never duplicated into it.
type Record struct {
	ID           string            `json:"id"`
	Service      string            `json:"service"`
	State        State             `json:"state"`
	Reason       string            `json:"reason,omitempty"`
	DesiredTime  time.Time         `json:"desired_time"`
	ORSSessionID string            `json:"ors_session_id,omitempty"`
	QueuedAt     time.Time         `json:"queued_at,omitzero"`
	Properties   map[string]string `json:"properties"`
	// CreatedAt is when the callback was admitted.
	CreatedAt time.Time `json:"created_at,omitzero"`
	// Immediate tells it was admitted as an immediate callback.
	Immediate bool `json:"immediate,omitempty"`
	// NumberHash is the keyed hash of the customer number that Temporal's
	// CustomerNumber search attribute holds (privacy.NumberHasher; the API
	// computes it, the workflow holds no key).
	NumberHash string `json:"number_hash,omitempty"`
	// LookupKeys are the property names this callback can be found by.
	LookupKeys []string `json:"lookup_keys,omitempty"`
	// Version orders writes to the read model: 0 is the admission row, the
	// workflow writes 1, 2, ... and a stale write never wins.
	Version int64 `json:"version"`
}

// ExpirationTime is when the record may be purged (SPEC §3.5).
func (r *Record) ExpirationTime() time.Time { return r.DesiredTime.Add(Retention) }

// CustomerNumber is the `_customer_number` property.
func (r *Record) CustomerNumber() string { return r.Properties[KeyCustomerNumber] }

// Clone returns a deep copy, safe to hand to an activity while r changes.
func (r Record) Clone() Record {
	props := make(map[string]string, len(r.Properties))
	for k, v := range r.Properties {
		props[k] = v
	}
	r.Properties = props
	r.LookupKeys = append([]string(nil), r.LookupKeys...)
	return r
}

// Fields are the property names held in Record's own fields rather than in
// Properties; a property update never writes them directly.
var Fields = map[string]bool{
	KeyID: true, KeyServiceName: true, KeyState: true, KeyReason: true,
	KeyDesiredTime: true, KeyORSSessionID: true, KeyExpirationTime: true,
	KeyNewDesiredTime: true, KeyURL: true,
}

// AllProperties returns the record's properties with the field-held ones
// filled in, as clients and ORS see them.
func (r *Record) AllProperties() map[string]string {
	out := make(map[string]string, len(r.Properties)+8)
	for k, v := range r.Properties {
		out[k] = v
	}
	out[KeyID] = r.ID
	out[KeyServiceName] = r.Service
	out[KeyState] = string(r.State)
	out[KeyDesiredTime] = FormatTime(r.DesiredTime)
	out[KeyExpirationTime] = FormatTime(r.ExpirationTime())
	if r.Reason != "" {
		out[KeyReason] = r.Reason
	}
	if r.ORSSessionID != "" {
		out[KeyORSSessionID] = r.ORSSessionID
	}
	return out
}
