// Package api is the GMS callback REST API: thin httprouter handlers that
// decode and validate a request, then start or update a callback workflow
// through Temporal, or read the PostgreSQL read model.
package api

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/julienschmidt/httprouter"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/opengms/callback/config"
	"github.com/opengms/callback/gmserr"
	"github.com/opengms/callback/privacy"
	"github.com/opengms/callback/queries"
	"github.com/opengms/callback/stats"
)

// maxBody caps request bodies (CONTRACT: 1 MiB, larger answers 413).
const maxBody = 1 << 20

// Server holds what the handlers need.
type Server struct {
	Temporal  client.Client
	Store     *queries.Store
	Stats     *stats.Client
	Logger    *slog.Logger
	PublicURL string // base URL handed to ORS for its state PUTs
	TaskQueue string
	Namespace string
	// Hasher computes the CustomerNumber search attribute (a keyed hash).
	Hasher *privacy.NumberHasher
	// Codec decodes payloads for the Temporal UI (POST /codec/decode).
	Codec converter.PayloadCodec
	// DocumentsDir holds documents served under /genesys/1/document/
	// (GMS_DOCUMENTS_DIR); "" serves the built-in ones only.
	DocumentsDir string
	// CodecOrigins are the Temporal UI origins (scheme://host:port) whose
	// pages may call the codec endpoints (GMS_CODEC_ORIGINS).
	CodecOrigins []string
	// Events wakes event streams when a callback's event is committed by
	// any process (PostgreSQL LISTEN); nil: streams poll the read model.
	Events *queries.Listener
	// Heartbeat is how often an idle event stream sends a comment line
	// (0: 15 s).
	Heartbeat time.Duration
	// Now is the clock (tests replace it).
	Now func() time.Time

	streamsEnd chan struct{} // closed by EndStreams
	makeEnd    sync.Once
	closeEnd   sync.Once
	config     atomic.Pointer[config.Config]
	marks      startMarks
	verified   verified // admin credentials bcrypt accepted lately
}

// SetConfig installs (or replaces) the configuration.
func (s *Server) SetConfig(c *config.Config) { s.config.Store(c) }

// Config returns the current configuration.
func (s *Server) Config() *config.Config { return s.config.Load() }

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Route is one registered route.
type Route struct {
	Method, Path string
	handle       httprouter.Handle
}

// Routes lists every route the API serves (the OpenAPI document must
// describe exactly these).
func (s *Server) Routes() []Route {
	return []Route{
		// POST …/service/callback/:name and …/service/:id/check-queue-position
		// cannot both be registered with httprouter: one route dispatches.
		{http.MethodPost, "/genesys/1/service/:a/:b", s.dispatchServicePost},
		{http.MethodDelete, "/genesys/1/service/callback/:name/:id", s.cancel},
		{http.MethodPut, "/genesys/1/service/callback/:name/:id", s.change},
		{http.MethodGet, "/genesys/1/service/callback/:name", s.lookup},
		{http.MethodGet, "/genesys/1/service/callback", s.lookup},
		// …/:name/availability and …/:name/:id/events cannot both be
		// registered with httprouter: callbackOrSub serves availability.
		{http.MethodGet, "/genesys/1/service/callback/:name/:id", s.callbackOrSub},
		{http.MethodGet, "/genesys/1/service/callback/:name/:id/events", s.events},
		{http.MethodGet, "/genesys/2/service/callback/:name/availability", s.availabilityV2},
		{http.MethodGet, "/genesys/1/admin/callback/queues", s.admin(s.queues)},
		{http.MethodGet, "/genesys/1/admin/callback/watermarks", s.admin(s.watermarks)},
		{http.MethodPost, "/genesys/1/admin/callback/ops/delete", s.admin(s.forget)},
		{http.MethodPost, "/genesys/1/admin/callback/reportcancelled", s.admin(s.reportCancelled)},
		{http.MethodPost, "/genesys/1/admin/callback/cancel", s.admin(s.bulkCancel)},
		{http.MethodGet, "/genesys/1/phonenumber", s.phoneNumber},
		{http.MethodGet, "/genesys/1/document/*path", s.document},
		{http.MethodGet, "/healthz", s.health},
		{http.MethodGet, "/genesys/openapi.json", s.openAPI},
		{http.MethodGet, "/ui/", s.ui}, {http.MethodGet, "/ui/:file", s.ui}, // operator page (api/ui.go)
		{http.MethodGet, "/metrics", metricsHandler},
		{http.MethodPost, "/codec/:op", s.withCORS(s.admin(s.codec))}, // Temporal UI's remote codec (api/codec.go)
		{http.MethodOptions, "/codec/:op", s.withCORS(s.codecPreflight)},
		{http.MethodGet, "/codec/", s.admin(s.codecLogin)},
		{http.MethodGet, "/genesys/1/admin/callback/number-hash", s.admin(s.numberHash)},
		{http.MethodGet, "/genesys/1/admin/callback/notifications", s.admin(s.notifications)},
	}
}

// Handler returns the API's routes wrapped in its middleware.
func (s *Server) Handler() http.Handler {
	r := httprouter.New()
	r.RedirectTrailingSlash, r.RedirectFixedPath = false, false // every answer is JSON: a near miss is a 404
	for _, rt := range s.Routes() {
		r.Handle(rt.Method, rt.Path, s.observe(rt.Path, rt.handle))
	}
	unmatched := func(e func(*http.Request) *gmserr.Error) http.Handler {
		h := s.observe("unmatched", func(w http.ResponseWriter, r *http.Request, _ httprouter.Params) { s.writeError(w, r, e(r)) })
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(w, r, nil) })
	}
	r.NotFound = unmatched(notFound)
	r.MethodNotAllowed = unmatched(methodNotAllowed)
	r.PanicHandler = func(w http.ResponseWriter, r *http.Request, v any) {
		s.Logger.ErrorContext(r.Context(), "handler panic", "panic", v, "path", r.URL.Path)
		s.writeError(w, r, unexpected("internal error"))
	}
	return limitBody(s.rejectUnstorableQuery(r))
}

// dispatchServicePost routes POST /genesys/1/service/:a/:b.
func (s *Server) dispatchServicePost(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	switch a, b := ps.ByName("a"), ps.ByName("b"); {
	case a == "callback":
		s.start(w, r, b)
		return
	case b == "check-queue-position":
		noteCallback(r.Context(), a)
		s.queuePosition(w, r, a)
		return
	}
	s.writeError(w, r, notFound(r))
}

// limitBody caps every request body at maxBody.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		next.ServeHTTP(w, r)
	})
}
