package privacy

import (
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// DataConverter is the SDK's default converter with every payload passed
// through codec: workflow and activity inputs and results, update and
// query arguments, memo, and local activity markers.
func DataConverter(codec converter.PayloadCodec) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), codec)
}

// FailureConverter keeps failures' messages and stack traces in an
// encoded payload too, so an error quoting a customer's data is not
// readable in the history.
func FailureConverter(dc converter.DataConverter) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true})
}
