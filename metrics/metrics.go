// Package metrics defines the service's Prometheus metrics, each once, and
// the registry that GET /metrics serves on the API and the worker. The
// Temporal SDK's own metrics are exported to the same registry.
package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// Registry holds every metric of the process.
var Registry = prometheus.NewRegistry()

var factory = func() *prometheus.Registry {
	Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return Registry
}()

func counter(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "gms", Name: name, Help: help}, labels)
	factory.MustRegister(c)
	return c
}

func histogram(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "gms", Name: name, Help: help, Buckets: buckets}, labels)
	factory.MustRegister(h)
	return h
}

// latencyBuckets (seconds) suit request and task latencies.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// The metrics.
var (
	// Requests counts API requests by route, method and status.
	Requests = counter("http_requests_total", "API requests.", "route", "method", "status")
	// RequestSeconds is API request latency by route, method and status.
	RequestSeconds = histogram("http_request_duration_seconds", "API request latency.", latencyBuckets, "route", "method", "status")
	// CallbacksStarted counts callbacks accepted by service and initial state.
	CallbacksStarted = counter("callbacks_started_total", "Callbacks accepted.", "service", "state")
	// CallbacksCompleted counts callbacks that reached COMPLETED by service and reason.
	CallbacksCompleted = counter("callbacks_completed_total", "Callbacks completed.", "service", "reason")
	// ORSSubmits counts ORS submit attempts by service and outcome (ok, failed).
	ORSSubmits = counter("ors_submit_attempts_total", "ORS submit attempts.", "service", "outcome")
	// Notifications counts webhook delivery attempts by service and outcome
	// (delivered; retry: failed, tried again; failed: given up; refused:
	// the URL is not allowed).
	Notifications = counter("notification_deliveries_total", "Webhook notification delivery attempts.", "service", "outcome")
	// FireLateness is how late a callback's first ORS submit attempt is
	// after its due time.
	FireLateness = histogram("fire_lateness_seconds", "ORS submit time minus due time.",
		[]float64{.01, .05, .1, .25, .5, 1, 2, 5, 10, 30, 60}, "service")
)

// Handler serves the registry in the Prometheus text format.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{Registry: Registry})
}

// Since observes the seconds since t (never negative).
func Since(t time.Time) float64 { return max(0, time.Since(t).Seconds()) }

// TemporalHandler exports the Temporal SDK's client and worker metrics
// into Registry (one handler per process).
var TemporalHandler = sync.OnceValue(func() client.MetricsHandler {
	// Histograms, not tally's default summaries: a summary's quantile
	// stream costs CPU on every observation, and cannot be aggregated
	// across processes.
	reporter := tallyprom.NewReporter(tallyprom.Options{Registerer: Registry,
		DefaultTimerType: tallyprom.HistogramTimerType, DefaultHistogramBuckets: latencyBuckets})
	scope, _ := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions, // the SDK's names start with temporal_
	}, time.Second)
	return sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope))
})
