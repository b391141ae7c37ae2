package api

import (
	"context"
	"time"

	"github.com/opengms/callback/calendar"
	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/config"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/phone"
	"github.com/opengms/callback/schedule"
)

// proposalWindow and proposalCount bound the slots a refusal proposes
// (SPEC §2.1 step 11).
const (
	proposalWindow = 7 * 24 * time.Hour
	proposalCount  = 6
)

// serviceRules are a callback service's effective rules for one request.
type serviceRules struct {
	name   string
	svc    *config.Service
	opts   config.Effective
	office *calendar.OfficeHours
	phone  phone.Rules
	size   time.Duration       // time bucket
	total  func(time.Time) int // places of the bucket starting then
}

// rules resolves service name and its effective options for request
// parameters p (SPEC §2.1 steps 1–3).
func (s *Server) rules(name string, p map[string]string) (*serviceRules, *gmserr.Error) {
	cfg := s.Config()
	svc, e := cfg.CallbackService(name)
	if e != nil {
		return nil, e
	}
	opts, e := cfg.Effective(svc, p)
	if e != nil {
		return nil, e
	}
	office, e := cfg.OfficeHours(svc)
	if e != nil {
		return nil, e
	}
	total := func(time.Time) int { return opts.Int(config.OptMaxRequestByTimeBucket) }
	grid, e := cfg.Capacity(svc)
	if e != nil {
		return nil, e
	}
	if grid != nil { // a capacity service replaces _max_request_by_time_bucket
		total = grid.Total
	}
	return &serviceRules{
		name: name, svc: svc, opts: opts, office: office,
		phone: phone.Rules{
			Service:            name,
			Country:            opts.String(config.OptDefaultCountry),
			DisallowImpossible: opts.Bool(config.OptDisallowImpossiblePhoneNumbers),
			DisallowPremium:    opts.Bool(config.OptDisallowPremiumPhoneNumbers),
			Exceptions:         opts.List(config.OptExceptions),
		},
		size:  time.Duration(opts.Int(config.OptRequestTimeBucket)) * time.Minute,
		total: total,
	}, nil
}

// bucket is the time bucket holding t with its capacity.
func (r *serviceRules) bucket(t time.Time) callback.Bucket {
	start := schedule.BucketStart(t, r.size)
	return callback.Bucket{Start: start, End: start.Add(r.size), Capacity: r.total(start)}
}

// plan is the booking plan over [from, to) with the read model's counts.
func (s *Server) plan(ctx context.Context, r *serviceRules, from, to time.Time) (schedule.Plan, *gmserr.Error) {
	p := schedule.Plan{Size: r.size, Total: r.total}
	if r.office != nil {
		p.Open = r.office.IsOpen
	}
	from, to = schedule.BucketStart(from, r.size), schedule.BucketStart(to, r.size).Add(r.size)
	booked, err := s.Store.Booked(ctx, r.name, r.size, from, to)
	if err != nil {
		return p, gmserr.New(gmserr.CapacityError, "Cannot read time slots: %v", err)
	}
	p.Booked = booked
	return p, nil
}

// refusal says why a desired slot is refused.
type refusal string

const (
	slotFull   refusal = "Too many requests at desired time slot %s. Proposing time slots."
	slotClosed refusal = "Office is closed at desired time slot %s. Proposing time slots."
)

// place checks the office is open at the desired slot (immediate callbacks
// too) and returns the bucket a scheduled callback takes.
func (s *Server) place(ctx context.Context, r *serviceRules, desired time.Time, immediate bool) (*callback.Bucket, *gmserr.Error) {
	b := r.bucket(desired)
	if r.office != nil && !r.office.IsOpen(b.Start) {
		return nil, s.proposeInstead(ctx, r, desired, slotClosed)
	}
	if immediate {
		return nil, nil
	}
	return &b, nil
}

// proposeInstead refuses the desired slot with 40051 and the nearest
// bookable ones, or 40050 when there are none.
func (s *Server) proposeInstead(ctx context.Context, r *serviceRules, desired time.Time, why refusal) *gmserr.Error {
	b := r.bucket(desired)
	slot := b.Slot()
	p, e := s.plan(ctx, r, desired.Add(-proposalWindow), desired.Add(proposalWindow))
	if e != nil {
		return e
	}
	proposals := p.Propose(desired, s.now(), proposalWindow, proposalCount)
	if len(proposals) == 0 {
		return gmserr.New(gmserr.SlotUnavailable, "No time slots available.").With("slot", slot, "service", r.name)
	}
	e = gmserr.New(gmserr.SlotUnavailableProposal, string(why), slot).With("slot", slot, "service", r.name)
	e.Availability = make(map[string]int, len(proposals))
	for _, sl := range proposals {
		e.Availability[callback.FormatTime(sl.Start)] = sl.Capacity
	}
	return e
}
