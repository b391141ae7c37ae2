package api

import (
	"net/http"
	"time"
)

// The HTTP server's limits: slow or oversized clients are cut off.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 2 * time.Minute // longer where an answer waits for the workflow (allowWrite)
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// NewHTTPServer is the API's HTTP server on addr, with its time-outs and
// header limit.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// allowWrite lets the answer to the current request be written for d from
// now (and a little more) where that is beyond the server's writeTimeout:
// an answer that waits for ORS as long as the workflow may take is never
// cut off while the submission still goes on.
func allowWrite(w http.ResponseWriter, d time.Duration) {
	if d+writeSlack <= writeTimeout {
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d + writeSlack))
}

// writeSlack is the time allowWrite leaves for the answer itself.
const writeSlack = 5 * time.Second
