package gmserr

import (
	"errors"
	"strconv"
	"strings"

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
		if strings.HasPrefix(appErr.Type(), temporalTypePrefix) && appErr.HasDetails() {
			if e, ok := details(appErr); ok {
				return e.Normalize()
			}
		}
		err = appErr.Unwrap()
	}
	return nil
}

// details decodes an envelope from appErr's details. In-process details of
// another type make the SDK panic rather than fail: that is not an envelope.
func details(appErr *temporal.ApplicationError) (e *Error, ok bool) {
	defer func() {
		if recover() != nil {
			e, ok = nil, false
		}
	}()
	var v Error
	if appErr.Details(&v) != nil {
		return nil, false
	}
	return &v, true
}
