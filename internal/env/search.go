package env

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/opengms/callback/callback"
)

// RegisterSearchAttributes adds the callback search attributes to
// namespace; ones already there are left as they are.
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
	return nil
}
