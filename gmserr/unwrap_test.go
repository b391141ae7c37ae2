package gmserr

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
)

func TestEnvelopeUnwrapsToItsCause(t *testing.T) {
	started := serviceerror.NewWorkflowExecutionAlreadyStarted("closed", "", "")
	e := New(Unavailable, "Temporal is unavailable")
	e.Cause = fmt.Errorf("start: %w", started)
	wrapped := fmt.Errorf("launch: %w", e)

	var got *serviceerror.WorkflowExecutionAlreadyStarted
	require.True(t, errors.As(wrapped, &got), "the cause is in the chain")
	require.Same(t, started, got)
	require.ErrorIs(t, wrapped, started)
	require.NoError(t, New(BadParameter, "no cause").Unwrap())

	// The envelope a client sees is the outermost one, not one in its cause.
	inner := New(InvalidOperation, "inner")
	outer := New(Unavailable, "outer")
	outer.Cause = inner
	require.Same(t, outer, As(fmt.Errorf("x: %w", outer)))
}
