package gmserr

import (
	"errors"
	"strconv"

	"go.temporal.io/sdk/temporal"
)

// temporalTypePrefix marks ApplicationErrors that carry an envelope.
const temporalTypePrefix = "GMS_"

// ToTemporal turns an envelope into a non-retryable ApplicationError that
// carries the envelope as details, so update handlers and validators can
// return it and the API can recover it with FromTemporal.
func ToTemporal(e *Error) error {
	return temporal.NewApplicationErrorWithOptions(e.Message, temporalTypePrefix+strconv.Itoa(e.Code),
		temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{*e}})
}

// FromTemporal extracts the envelope carried by an ApplicationError anywhere
// in err's chain, or returns nil.
func FromTemporal(err error) *Error {
	var appErr *temporal.ApplicationError
	for err != nil {
		if !errors.As(err, &appErr) {
			return nil
		}
		if len(appErr.Type()) > len(temporalTypePrefix) && appErr.Type()[:len(temporalTypePrefix)] == temporalTypePrefix && appErr.HasDetails() {
			var e Error
			if appErr.Details(&e) == nil {
				return e.Normalize()
			}
		}
		err = appErr.Unwrap()
	}
	return nil
}
