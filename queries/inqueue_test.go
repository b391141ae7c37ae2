package queries_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/queries"
)

// TestInQueueLimitPerKey: the in-queue limit counts a customer's open
// callbacks by its key's value (the number by default, another property
// when the service names customers otherwise), never callbacks without a
// value together, and concurrent admissions of one customer never both
// take its last place.
func TestInQueueLimitPerKey(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	n := 0
	admit := func(key string, props map[string]string) error {
		n++
		return s.Admit(ctx, queries.Admission{Record: scheduled(fmt.Sprint("cb-", n), props), InQueueLimit: 1, InQueueKey: key})
	}
	sub := func(v string) map[string]string { return map[string]string{"SUB": v} }

	require.NoError(t, admit("SUB", sub("A")))
	require.NoError(t, admit("SUB", sub("B")), "another subscription")
	require.ErrorIs(t, admit("SUB", sub("A")), queries.ErrInQueueLimit)
	require.NoError(t, admit("SUB", map[string]string{}), "no value: not limited")
	require.NoError(t, admit("SUB", map[string]string{}), "no value: never counted together")
	require.NoError(t, admit("", sub("A")), "by number (none here): not limited")

	number := func(v string) map[string]string { return map[string]string{callback.KeyCustomerNumber: v, "SUB": "A"} }
	require.NoError(t, admit("", number("5115")))
	require.ErrorIs(t, admit("", number("5115")), queries.ErrInQueueLimit)
	require.ErrorIs(t, admit(callback.KeyCustomerNumber, number("5115")), queries.ErrInQueueLimit)
	require.NoError(t, admit("", number("5116")), "per number, whatever the other keys")

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.Admit(ctx, queries.Admission{Record: scheduled(fmt.Sprint("race-", i), sub("R")), InQueueLimit: 1, InQueueKey: "SUB"})
		})
	}
	wg.Wait()
	admitted := 0
	for _, err := range errs {
		if err == nil {
			admitted++
		} else {
			require.ErrorIs(t, err, queries.ErrInQueueLimit)
		}
	}
	require.Equal(t, 1, admitted, "one place for subscription R among concurrent admissions")
}

// scheduled is a scheduled callback id of service svc with properties props.
func scheduled(id string, props map[string]string) callback.Record {
	return callback.Record{ID: id, Service: "svc", State: callback.Scheduled, DesiredTime: t0, CreatedAt: t0,
		Properties: props, LookupKeys: []string{"SUB"}}
}
