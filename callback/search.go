package callback

import (
	"go.temporal.io/sdk/temporal"
)

// Search attributes that make callbacks findable in the Temporal UI and
// with `temporal workflow list --query`. CustomerNumber holds the keyed
// hash of the number (Record.NumberHash), never the number: `bin/api
// hash-number 5115` prints the value to search for.
var (
	SearchCallbackID     = temporal.NewSearchAttributeKeyKeyword("CallbackId")
	SearchCustomerNumber = temporal.NewSearchAttributeKeyKeyword("CustomerNumber")
	SearchServiceName    = temporal.NewSearchAttributeKeyKeyword("ServiceName")
	SearchCallbackState  = temporal.NewSearchAttributeKeyKeyword("CallbackState")
	SearchDesiredTime    = temporal.NewSearchAttributeKeyTime("DesiredTime")
)

// SearchKeys lists every search attribute the service uses.
var SearchKeys = []temporal.SearchAttributeKey{SearchCallbackID, SearchCustomerNumber, SearchServiceName,
	SearchCallbackState, SearchDesiredTime}

// SearchAttributes are the record's current search attributes.
func (r *Record) SearchAttributes() []temporal.SearchAttributeUpdate {
	return []temporal.SearchAttributeUpdate{
		SearchCallbackID.ValueSet(r.ID),
		SearchCustomerNumber.ValueSet(r.NumberHash),
		SearchServiceName.ValueSet(r.Service),
		SearchCallbackState.ValueSet(string(r.State)),
		SearchDesiredTime.ValueSet(r.DesiredTime),
	}
}

// Summary is a short human summary of the callback, without personal data,
// for the Temporal UI.
func (r *Record) Summary() string {
	kind := "scheduled"
	if r.Immediate {
		kind = "immediate"
	}
	return kind + " callback of " + r.Service + " for " + FormatTime(r.DesiredTime)
}
