package config

import (
	"sync"
	"testing"
	"time"

	"github.com/opengms/callback/calendar"
	"github.com/opengms/callback/gmserr"
	"github.com/stretchr/testify/require"
)

// officeHoursINI has a valid office-hours section and callback services
// pointing at good and bad ones.
const officeHoursINI = `
[service.office-hours]
_type = builtin
_service = office-hours
_timezone = America/New_York
_bh_regular1 = Mon-Fri 09:00-17:00
_bh_date1 = 12-25

[service.broken-hours]
_type = builtin
_service = office-hours
_timezone = America/New_York
_bh_regular1 = Mon-Fry 09:00-17:00

[service.no-zone]
_type = builtin
_service = office-hours
_bh_regular1 = Mon-Fri 09:00-17:00

[service.capacity]
_type = builtin
_service = capacity

[service.other]
_ors = http://127.0.0.1:8090

[service.cb-ok]
_business_hours_service = office-hours

[service.cb-none]
_ors = http://127.0.0.1:8090

[service.cb-missing]
_business_hours_service = nowhere

[service.cb-capacity]
_business_hours_service = capacity

[service.cb-ors]
_business_hours_service = other

[service.cb-broken]
_business_hours_service = broken-hours

[service.cb-no-zone]
_business_hours_service = no-zone
`

func TestOfficeHours(t *testing.T) {
	c := mustParse(t, officeHoursINI)

	hours, e := c.OfficeHours(c.Services["cb-ok"])
	require.Nil(t, e)
	require.NotNil(t, hours)
	require.Equal(t, "America/New_York", hours.Location().String())
	require.True(t, hours.IsOpen(time.Date(2026, 3, 9, 13, 30, 0, 0, time.UTC)))  // Mon 09:30 EDT
	require.False(t, hours.IsOpen(time.Date(2026, 3, 6, 13, 30, 0, 0, time.UTC))) // Fri 08:30 EST
	require.False(t, hours.IsOpen(time.Date(2026, 12, 25, 15, 0, 0, 0, time.UTC)))

	again, e := c.OfficeHours(c.Services["cb-ok"])
	require.Nil(t, e)
	require.Same(t, hours, again, "parsed once, shared")

	hours, e = c.OfficeHours(c.Services["cb-none"])
	require.Nil(t, e)
	require.Nil(t, hours, "no _business_hours_service: always open")
	require.True(t, hours.IsOpen(time.Now()))

	hours, e = c.OfficeHours(nil)
	require.Nil(t, e)
	require.Nil(t, hours)
}

func TestOfficeHoursInvalid(t *testing.T) {
	c := mustParse(t, officeHoursINI)
	tests := []struct {
		service, message string
	}{
		{"cb-missing", "Option _business_hours_service is invalid: Service undefined: nowhere"},
		{"cb-capacity", "Option _business_hours_service is invalid: Service capacity has option _service != office-hours"},
		{"cb-ors", "Option _business_hours_service is invalid: Service other has option _type != builtin"},
		{"cb-broken", `Option _business_hours_service is invalid: Service broken-hours: _bh_regular1=Mon-Fry 09:00-17:00: unknown day "Fry"`},
		{"cb-no-zone", "Option _business_hours_service is invalid: Service no-zone: _timezone: missing time zone"},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			hours, e := c.OfficeHours(c.Services[tt.service])
			require.Nil(t, hours)
			require.NotNil(t, e)
			require.Equal(t, gmserr.BadConfiguration.Code, e.Code)
			require.Equal(t, 500, e.Status)
			require.Equal(t, tt.message, e.Message)
			require.Equal(t, map[string]any{"service": tt.service}, e.Properties)
			// The same error again (cached parse), as a fresh envelope.
			_, e2 := c.OfficeHours(c.Services[tt.service])
			require.Equal(t, e, e2)
			require.NotSame(t, e, e2)
		})
	}
}

func TestOfficeHoursTrimmedName(t *testing.T) {
	c := mustParse(t, officeHoursINI)
	svc := &Service{Name: "cb-spaces", Options: map[string]string{OptBusinessHoursService: "  office-hours \t"}}
	hours, e := c.OfficeHours(svc)
	require.Nil(t, e)
	require.NotNil(t, hours)
	hours, e = c.OfficeHours(&Service{Name: "cb-blank", Options: map[string]string{OptBusinessHoursService: "   "}})
	require.Nil(t, e)
	require.Nil(t, hours)
}

func TestOfficeHoursConcurrent(t *testing.T) {
	c := mustParse(t, officeHoursINI)
	var wg sync.WaitGroup
	got := make([]*calendar.OfficeHours, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = c.OfficeHours(c.Services["cb-ok"])
		}()
	}
	wg.Wait()
	for _, h := range got {
		require.NotNil(t, h)
		require.Same(t, got[0], h)
	}
}

func TestOfficeHoursShippedFile(t *testing.T) {
	c, err := Load("gms.ini")
	require.NoError(t, err)
	for _, name := range c.CallbackServices() {
		_, e := c.OfficeHours(c.Services[name])
		require.Nil(t, e, name)
	}
	hours, err := calendar.Parse(c.Services["office-hours"].Options)
	require.NoError(t, err)
	require.True(t, hours.IsOpen(time.Date(2026, 3, 7, 15, 0, 0, 0, time.UTC))) // Sat 10:00 EST
}
