package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPausedServices(t *testing.T) {
	c, err := Parse([]byte(`
[paused]
a = true
b = false
id-7 = TRUE

[service.lists]
_type = builtin
_service = paused-services
all = true

[service.a]
_paused_services_list = paused
[service.b]
_paused_services_list = paused
[service.c]
_paused_services_list = paused
_paused_services_id = id-7
[service.d]
[service.e]
_paused_services_list = lists
[service.f]
_paused_services_list =
`))
	require.NoError(t, err)
	require.Equal(t, map[string]bool{"a": true, "b": false, "c": true, "d": false, "e": true, "f": false}, c.PausedServices())
}
