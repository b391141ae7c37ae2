package config

import (
	"sync"
	"testing"
	"time"

	"github.com/opengms/callback/capacity"
	"github.com/opengms/callback/gmserr"
	"github.com/stretchr/testify/require"
)

// capacityINI has a valid capacity section and callback services pointing at
// good and bad ones.
const capacityINI = `
[service.capacity]
_type = builtin
_service = capacity
_timezone = America/New_York
_capacity = [Mon, Tue, Wed, Thu, Fri, Sat, Sun]
_capacity_1 = {"1":{"0900":5,"1200":2,"1700":0}}
_capacity_7 = {"7":{"0900":5,"1200":2}}
_capacity_add = {"12-25":{}}

[service.bad-grid]
_type = builtin
_service = capacity
_timezone = America/New_York
_capacity_1 = {"1":{"2460":5}}

[service.bad-days]
_type = builtin
_service = capacity
_timezone = America/New_York
_capacity = [Mon, Funday]

[service.no-zone]
_type = builtin
_service = capacity
_capacity_1 = {"1":{"0900":5}}

[service.office-hours]
_type = builtin
_service = office-hours
_timezone = America/New_York

[service.other]
_ors = http://127.0.0.1:8090

[service.cb-ok]
_capacity_service = capacity

[service.cb-ok-too]
_capacity_service = capacity

[service.cb-none]
_ors = http://127.0.0.1:8090

[service.cb-missing]
_capacity_service = nowhere

[service.cb-hours]
_capacity_service = office-hours

[service.cb-ors]
_capacity_service = other

[service.cb-bad-grid]
_capacity_service = bad-grid

[service.cb-bad-days]
_capacity_service = bad-days

[service.cb-no-zone]
_capacity_service = no-zone
`

func TestCapacity(t *testing.T) {
	c := mustParse(t, capacityINI)

	grid, e := c.Capacity(c.Services["cb-ok"])
	require.Nil(t, e)
	require.NotNil(t, grid)
	require.Equal(t, "America/New_York", grid.Location().String())
	require.Equal(t, 5, grid.Total(time.Date(2026, 3, 9, 13, 0, 0, 0, time.UTC)))   // Mon 09:00 EDT
	require.Equal(t, 0, grid.Total(time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC)))   // Mon 08:00 EST
	require.Equal(t, 5, grid.Total(time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)))   // Mon 09:00 EST
	require.Equal(t, 2, grid.Total(time.Date(2026, 3, 8, 16, 0, 0, 0, time.UTC)))   // Sun 12:00 EDT, DST day
	require.Equal(t, 0, grid.Total(time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)))  // Tue: no grid
	require.Equal(t, 0, grid.Total(time.Date(2028, 12, 25, 15, 0, 0, 0, time.UTC))) // Mon, yearly exception

	again, e := c.Capacity(c.Services["cb-ok"])
	require.Nil(t, e)
	require.Same(t, grid, again, "parsed once, shared")
	other, e := c.Capacity(c.Services["cb-ok-too"])
	require.Nil(t, e)
	require.Same(t, grid, other, "one parse per capacity section, whichever service names it")

	grid, e = c.Capacity(c.Services["cb-none"])
	require.Nil(t, e)
	require.Nil(t, grid, "no _capacity_service: _max_request_by_time_bucket applies")

	grid, e = c.Capacity(nil)
	require.Nil(t, e)
	require.Nil(t, grid)
}

func TestCapacityPerConfig(t *testing.T) {
	a, e := mustParse(t, capacityINI).Capacity(&Service{Name: "x", Options: map[string]string{OptCapacityService: "capacity"}})
	require.Nil(t, e)
	b, e := mustParse(t, capacityINI).Capacity(&Service{Name: "x", Options: map[string]string{OptCapacityService: "capacity"}})
	require.Nil(t, e)
	require.NotSame(t, a, b, "a new Config parses its own section")
}

func TestCapacityInvalid(t *testing.T) {
	c := mustParse(t, capacityINI)
	tests := []struct {
		service, message string
	}{
		{"cb-missing", "Option _capacity_service is invalid: Service undefined: nowhere"},
		{"cb-hours", "Option _capacity_service is invalid: Service office-hours has option _service != capacity"},
		{"cb-ors", "Option _capacity_service is invalid: Service other has option _type != builtin"},
		{"cb-bad-grid", `Option _capacity_service is invalid: Service bad-grid: _capacity_1={"1":{"2460":5}}: bad time "2460" (HHMM, 0000 to 2359)`},
		{"cb-bad-days", `Option _capacity_service is invalid: Service bad-days: _capacity=[Mon, Funday]: unknown day "Funday"`},
		{"cb-no-zone", "Option _capacity_service is invalid: Service no-zone: _timezone: missing time zone"},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			grid, e := c.Capacity(c.Services[tt.service])
			require.Nil(t, grid)
			require.NotNil(t, e)
			require.Equal(t, gmserr.BadConfiguration.Code, e.Code)
			require.Equal(t, 500, e.Status)
			require.Equal(t, tt.message, e.Message)
			require.Equal(t, map[string]any{"service": tt.service}, e.Properties)
			// The same error again (cached parse), as a fresh envelope.
			_, e2 := c.Capacity(c.Services[tt.service])
			require.Equal(t, e, e2)
			require.NotSame(t, e, e2)
		})
	}
}

func TestCapacityTrimmedName(t *testing.T) {
	c := mustParse(t, capacityINI)
	grid, e := c.Capacity(&Service{Name: "cb-spaces", Options: map[string]string{OptCapacityService: "  capacity \t"}})
	require.Nil(t, e)
	require.NotNil(t, grid)
	grid, e = c.Capacity(&Service{Name: "cb-blank", Options: map[string]string{OptCapacityService: "   "}})
	require.Nil(t, e)
	require.Nil(t, grid)
}

func TestCapacityConcurrent(t *testing.T) {
	c := mustParse(t, capacityINI)
	var wg sync.WaitGroup
	got := make([]*capacity.Grid, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = c.Capacity(c.Services["cb-ok"])
		}()
	}
	wg.Wait()
	for _, g := range got {
		require.NotNil(t, g)
		require.Same(t, got[0], g)
	}
}
