package api

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHTTPServerLimits(t *testing.T) {
	srv := NewHTTPServer("127.0.0.1:0", http.NotFoundHandler())
	require.Equal(t, readHeaderTimeout, srv.ReadHeaderTimeout)
	require.Equal(t, readTimeout, srv.ReadTimeout)
	require.Equal(t, writeTimeout, srv.WriteTimeout)
	require.Equal(t, idleTimeout, srv.IdleTimeout)
	require.Equal(t, maxHeaderBytes, srv.MaxHeaderBytes)
}

func TestSlowHeadersAreCutOff(t *testing.T) {
	srv := NewHTTPServer("", http.NotFoundHandler())
	srv.ReadHeaderTimeout = 200 * time.Millisecond // the real one is 10 s
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.Serve(l) //nolint:errcheck // closed below
	defer srv.Close()

	conn, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n")) // never finishes its headers
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err = bufio.NewReader(conn).ReadString('\n')
	require.Error(t, err, "the server closed the connection")
	require.False(t, strings.Contains(err.Error(), "timeout"), "closed by the server, not by our deadline: %v", err)

	big, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer big.Close()
	_, _ = big.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2*maxHeaderBytes) + "\r\n\r\n"))
	line, _ := bufio.NewReader(big).ReadString('\n')
	require.Contains(t, line, "431", "headers over the limit are refused")
}

// An answer that waits for the workflow longer than the server's write
// time-out is still delivered: allowWrite moves that request's deadline
// (through the observe wrapper).
func TestAllowWriteOutlastsTheWriteTimeout(t *testing.T) {
	const slow = 500 * time.Millisecond
	serve := func(extend bool) (string, error) {
		srv := NewHTTPServer("", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			if extend {
				allowWrite(rec, writeTimeout+time.Minute) // as long as a submission may take
			}
			time.Sleep(slow)
			_, _ = rec.Write([]byte("answered"))
		}))
		srv.WriteTimeout = slow / 5 // the real one is 2 min
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		go srv.Serve(l) //nolint:errcheck // closed below
		defer srv.Close()
		resp, err := http.Get("http://" + l.Addr().String() + "/")
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, err = bufio.NewReader(resp.Body).WriteTo(&b)
		return b.String(), err
	}
	_, err := serve(false)
	require.Error(t, err, "without it the answer is cut off")
	got, err := serve(true)
	require.NoError(t, err)
	require.Equal(t, "answered", got)
}
