package queries

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/opengms/callback/callback"
)

// Match is one `key=value` lookup property.
type Match struct {
	Key, Value string
	// Configured are the services that configure option Key as Value: a
	// callback of one of them without the property has that value (Q7's
	// filter-keys see configured options, not only request properties).
	Configured []string
}

// Filter selects callbacks for a lookup by properties (SPEC §2.4).
type Filter struct {
	Service  string  // "" = every service
	Matches  []Match // joined by AND, or by OR when Or is set
	Or       bool
	State    callback.State // "" = any state
	NotState bool           // State is excluded rather than required
	From, To time.Time      // inclusive bounds on the desired time; zero = open
}

// sqlArgs accumulates positional parameters.
type sqlArgs []any

func (a *sqlArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// list renders a placeholder for every argument: "$1, $2, ..." (a function
// call's argument list).
func (a sqlArgs) list() string {
	ph := make([]string, len(a))
	for i := range a {
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	return strings.Join(ph, ", ")
}

// where renders f as a WHERE clause; every value is a bound parameter.
func (f Filter) where(now time.Time) (string, []any) {
	var args sqlArgs
	conds := []string{"c.expiration_time > " + args.add(now)}
	if f.Service != "" {
		conds = append(conds, "c.service = "+args.add(f.Service))
	}
	var matches []string
	for _, m := range f.Matches {
		if m.Key == callback.KeyID {
			matches = append(matches, "c.id = "+args.add(m.Value))
			continue
		}
		sub := "SELECT l.id FROM callback_lookup l WHERE l.key = " + args.add(m.Key) + " AND l.value = " + args.add(m.Value)
		if f.Service != "" {
			sub += " AND l.service = " + args.add(f.Service)
		}
		matches = append(matches, "c.id IN ("+sub+")")
	}
	if len(matches) > 0 {
		join := " AND "
		if f.Or {
			join = " OR "
		}
		conds = append(conds, "("+strings.Join(matches, join)+")")
	}
	if f.State != "" {
		op := " = "
		if f.NotState {
			op = " <> "
		}
		conds = append(conds, "c.state"+op+args.add(string(f.State)))
	}
	if !f.From.IsZero() {
		conds = append(conds, "c.desired_time >= "+args.add(f.From))
	}
	if !f.To.IsZero() {
		conds = append(conds, "c.desired_time <= "+args.add(f.To))
	}
	return strings.Join(conds, " AND "), args
}

// Lookup returns the callbacks matching f, ordered by desired time then id.
func (s *Store) Lookup(ctx context.Context, f Filter, now time.Time) ([]callback.Record, error) {
	where, args := f.where(now)
	recs, err := s.selectRecords(ctx, `SELECT `+rowColumns+` FROM callbacks c WHERE `+where+` ORDER BY c.desired_time, c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("lookup: %w", err)
	}
	return recs, nil
}
