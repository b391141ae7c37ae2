package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/schedule"
)

// maxAvailabilityRange bounds an availability query (ours, SPEC §2.5), and
// maxAvailabilityAhead how far ahead it may start (nothing can be booked
// beyond _reject_future_desired_time anyway).
const (
	maxAvailabilityRange = 31 * 24 * time.Hour
	maxAvailabilityAhead = 2 * 366 * 24 * time.Hour
)

// period is a parsed availability query.
type period struct {
	from, to time.Time
	limit    int
	busy     bool
	loc      *time.Location
}

// availabilityV1 is Q5: GET /genesys/1/service/callback/{name}/availability
// -> {"<slot>": "<capacity>"}.
func (s *Server) availabilityV1(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	slots, _, _, err := s.availability(r, ps.ByName("name"), 1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make(map[string]string, len(slots))
	for _, sl := range slots {
		out[callback.FormatTime(sl.Start)] = strconv.Itoa(sl.Capacity)
	}
	writeJSON(w, http.StatusOK, out)
}

// v2Slot is one slot of Q6's answer.
type v2Slot struct {
	UTCTime   string `json:"utcTime"`
	LocalTime string `json:"localTime"`
	Capacity  int    `json:"capacity"`
	Total     int    `json:"total"`
}

// availabilityV2 is Q6: GET /genesys/2/service/callback/{name}/availability.
func (s *Server) availabilityV2(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	slots, q, size, err := s.availability(r, ps.ByName("name"), 2)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := struct {
		Slots       []v2Slot `json:"slots"`
		DurationMin int      `json:"durationMin"`
		Timezone    string   `json:"timezone"`
	}{Slots: make([]v2Slot, 0, len(slots)), DurationMin: int(size.Minutes()), Timezone: q.loc.String()}
	for _, sl := range slots {
		out.Slots = append(out.Slots, v2Slot{UTCTime: callback.FormatTime(sl.Start),
			LocalTime: callback.FormatLocal(sl.Start.In(q.loc)), Capacity: sl.Capacity, Total: sl.Total})
	}
	writeJSON(w, http.StatusOK, out)
}

// availability computes the bookable slots of a query.
func (s *Server) availability(r *http.Request, name string, version int) ([]schedule.Slot, period, time.Duration, error) {
	rules, e := s.rules(name, nil)
	if e != nil {
		return nil, period{}, 0, e
	}
	loc := time.UTC
	if rules.office != nil {
		loc = rules.office.Location()
	}
	q, e := parsePeriod(r.URL.Query(), version, s.now(), rules.size, loc)
	if e != nil {
		return nil, q, 0, e
	}
	p, e := s.plan(r.Context(), rules, q.from, q.to)
	if e != nil {
		return nil, q, 0, e
	}
	return p.Slots(q.from, q.to, s.now(), q.busy, q.limit), q, rules.size, nil
}

// parsePeriod reads start/timestamp/start-ms, end/end-ms/number-of-days,
// max-time-slots and (v2) timezone and report-busy.
func parsePeriod(q url.Values, version int, now time.Time, size time.Duration, loc *time.Location) (period, *gmserr.Error) {
	p := period{loc: loc}
	if version == 2 {
		if tz := q.Get("timezone"); tz != "" {
			l, err := time.LoadLocation(tz)
			if err != nil || tz == "Local" {
				return p, badParameter("Invalid timezone: %s", tz)
			}
			p.loc = l
		}
		if v := q.Get("report-busy"); v != "" {
			b, err := callback.ParseBool(v)
			if err != nil {
				return p, badParameter("Invalid report-busy: %v", err)
			}
			p.busy = b
		}
	}
	startKeys, endKeys := []string{"start", "timestamp"}, []string{"end", "number-of-days"}
	if version == 2 {
		startKeys, endKeys = []string{"start", "start-ms", "timestamp"}, []string{"end", "end-ms", "number-of-days"}
	}
	start, e := oneOf(q, startKeys)
	if e != nil {
		return p, e
	}
	end, e := oneOf(q, endKeys)
	if e != nil {
		return p, e
	}
	p.from = now
	if start != "" {
		t, e := p.instant(start, q.Get(start), version)
		if e != nil {
			return p, e
		}
		p.from = t
	}
	switch end {
	case "":
		p.to = schedule.BucketStart(p.from, size).Add(size)
	case "number-of-days":
		n, err := strconv.Atoi(q.Get(end))
		if err != nil || n < 1 || n > 7 {
			return p, badParameter("day parameter must be between 1 and 7, inclusively. Actual value is: %s", q.Get(end)).With("day", q.Get(end))
		}
		p.to = p.from.Add(time.Duration(n) * 24 * time.Hour)
	default:
		t, e := p.instant(end, q.Get(end), version)
		if e != nil {
			return p, e
		}
		p.to = t
	}
	if p.to.Before(p.from) {
		return p, badParameter("The end of the period (%s) is before its start (%s)", callback.FormatTime(p.to), callback.FormatTime(p.from))
	}
	if p.from.Sub(now) > maxAvailabilityAhead {
		return p, badParameter("The period starts too far ahead (%s): at most %d days from now", callback.FormatTime(p.from), int(maxAvailabilityAhead.Hours()/24))
	}
	if p.to.Sub(p.from) > maxAvailabilityRange {
		return p, badParameter("The period is longer than %d days", int(maxAvailabilityRange.Hours()/24))
	}
	if !p.to.After(now) && !schedule.BucketStart(p.from, size).Add(size).After(now) {
		return p, badParameter("No time slots available. The requested time period is in the past.")
	}
	if v := q.Get("max-time-slots"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, badParameter("Invalid max-time-slots: %s", v)
		}
		p.limit = n
	}
	return p, nil
}

// oneOf returns which of keys is present; two present is an error.
func oneOf(q url.Values, keys []string) (string, *gmserr.Error) {
	found := ""
	for _, k := range keys {
		if q.Has(k) {
			if found != "" {
				return "", badParameter("Set only one of %s", strings.Join(keys, ", "))
			}
			found = k
		}
	}
	return found, nil
}

// instant parses a time parameter: epoch milliseconds for *-ms, else ISO
// 8601 (offset-less local to the query's timezone in v2, UTC in v1).
func (p period) instant(key, v string, version int) (time.Time, *gmserr.Error) {
	if strings.HasSuffix(key, "-ms") {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, badParameter("Invalid %s: %s", key, v)
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	if version == 2 && !hasOffset(v) {
		for _, l := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
			if t, err := time.ParseInLocation(l, v, p.loc); err == nil {
				return t.UTC(), nil
			}
		}
	}
	t, err := callback.ParseTime(v)
	if err != nil {
		return time.Time{}, badParameter("Invalid %s: %v", key, err)
	}
	return t, nil
}

// hasOffset tells whether an ISO time carries a zone (Z or ±hh:mm).
func hasOffset(v string) bool {
	if strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z") {
		return true
	}
	if i := strings.LastIndexAny(v, "+-"); i > len("2006-01-02") {
		return true
	}
	return false
}
