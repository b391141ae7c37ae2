package capacity

import (
	"github.com/opengms/callback/calendar"

	"sort"
	"time"
)

// Grid is a weekly capacity schedule in one IANA time zone with date exceptions.
// It is immutable once built by Parse and safe for concurrent use. A nil
// *Grid stands for "no capacity service configured"; callers then use
// _max_request_by_time_bucket instead.
type Grid struct {
	loc    *time.Location
	weekly [7]day            // by time.Weekday
	dated  map[civilDate]day // _capacity_add YYYY-MM-DD
	yearly map[monthDay]day  // _capacity_add MM-DD
}

// day is one local day's grid: levels sorted by from, distinct froms.
type day []level

// level is one HHMM key: places per bucket from wall-clock time from (since
// local midnight) until the next level, or midnight.
type level struct {
	from   time.Duration
	places int
}

// at returns the places in effect at wall-clock time w of the day: those of
// the last level starting at or before w, 0 before the first.
func (d day) at(w time.Duration) int {
	i := sort.Search(len(d), func(i int) bool { return d[i].from > w })
	if i == 0 {
		return 0
	}
	return d[i-1].places
}

// civilDate is a wall-calendar date, free of any time zone.
type civilDate struct {
	year  int
	month time.Month
	day   int
}

// monthDay is a day of every year.
type monthDay struct {
	month time.Month
	day   int
}

// Location returns the grid's time zone; time.UTC for a nil *Grid.
func (g *Grid) Location() *time.Location {
	if g == nil {
		return time.UTC
	}
	return g.loc
}

// Total returns the places of the bucket starting at instant start: the grid
// value in effect at start's LOCAL wall-clock time on its local date (a date
// exception of that date, else the weekly grid of its weekday). It is 0
// before the day's first key, on days without a grid, and for a nil *Grid.
func (g *Grid) Total(start time.Time) int {
	if g == nil {
		return 0
	}
	local := start.In(g.loc)
	y, m, d := local.Date()
	grid, ok := g.dated[civilDate{y, m, d}]
	if !ok {
		if grid, ok = g.yearly[monthDay{m, d}]; !ok {
			grid = g.weekly[local.Weekday()]
		}
	}
	return grid.at(calendar.WallClock(local))
}
