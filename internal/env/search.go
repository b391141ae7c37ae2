package env

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/opengms/callback/callback"
)

// RegisterSearchAttributes adds the callback search attributes to
// namespace (ones already there are left as they are) and waits until the
// frontend accepts them: on SQL visibility a new attribute is usable only
// once the frontend's namespace cache has refreshed (seconds).
func RegisterSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	attrs := map[string]enumspb.IndexedValueType{}
	for _, k := range callback.SearchKeys {
		t := enumspb.INDEXED_VALUE_TYPE_KEYWORD
		if k.GetValueType() == enumspb.INDEXED_VALUE_TYPE_DATETIME {
			t = enumspb.INDEXED_VALUE_TYPE_DATETIME
		}
		attrs[k.GetName()] = t
	}
	_, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: attrs,
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("register search attributes: %w", err)
	}
	return awaitSearchAttributes(ctx, c, namespace)
}

// searchAttributesWait bounds how long awaitSearchAttributes waits.
const searchAttributesWait = time.Minute

// awaitSearchAttributes waits until a visibility query that names every
// callback search attribute is accepted.
func awaitSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	ctx, cancel := context.WithTimeout(ctx, searchAttributesWait)
	defer cancel()
	var terms []string
	for _, k := range callback.SearchKeys {
		if k.GetValueType() == enumspb.INDEXED_VALUE_TYPE_DATETIME {
			terms = append(terms, k.GetName()+" > '2000-01-01T00:00:00Z'")
		} else {
			terms = append(terms, k.GetName()+" = 'probe'")
		}
	}
	req := &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace, PageSize: 1, Query: strings.Join(terms, " AND ")}
	for {
		_, err := c.ListWorkflow(ctx, req)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("search attributes not usable in %s: %w", namespace, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
