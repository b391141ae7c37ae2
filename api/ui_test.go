package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opengms/callback/callback"
	"github.com/opengms/callback/internal/testenv"
)

// uiINI adds to testINI a service always open with hourly buckets of 4, so
// that a few bookings give every level of the heat map.
const uiINI = `
[service.ui-demo]
_app_url = callback.scxml
_request_time_bucket = 60
_max_request_by_time_bucket = 4
_request_execution_time_buffer = 0
_disallow_impossible_phone_numbers = false
_enable_in_queue_checking = false
`

// heatPalette is app.css's heat-map colors (places left, by level).
var heatPalette = map[string][3]int{
	"free": {0x2e, 0x9e, 0x5b},
	"high": {0x8c, 0xc2, 0x65},
	"mid":  {0xf2, 0xc9, 0x4c},
	"low":  {0xf2, 0x99, 0x4a},
	"full": {0xd6, 0x45, 0x45},
}

const testTemporalUI = "http://temporal.example:8233"

// TestUIOperatorPage serves the operator page and renders it in headless
// Chromium: counts per state, queue lists and search results linking to the
// Temporal Web UI in the DOM, and the heat map's colors in a screenshot.
func TestUIOperatorPage(t *testing.T) {
	chromium := ensureChromium(t)
	// TEMPORAL_UI_URL is read once per process: no other test serves the page.
	t.Setenv("TEMPORAL_UI_URL", testTemporalUI+"/")
	s := newStackWith(t, testINI+uiINI)

	t.Run("assets", func(t *testing.T) {
		r := s.get("/ui/")
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		require.Equal(t, "text/html; charset=utf-8", r.Header.Get("Content-Type"))
		require.Contains(t, r.Header.Get("Content-Security-Policy"), "script-src 'self'")
		require.Contains(t, string(r.Body), `<meta name="temporal-ui" content="`+testTemporalUI+`">`)
		require.Contains(t, string(r.Body), `<meta name="temporal-namespace" content="default">`)

		js := s.get("/ui/app.js")
		require.Equal(t, http.StatusOK, js.Status)
		require.Equal(t, "text/javascript; charset=utf-8", js.Header.Get("Content-Type"))
		require.Equal(t, "nosniff", js.Header.Get("X-Content-Type-Options"))
		etag := js.Header.Get("ETag")
		require.NotEmpty(t, etag)
		again := s.send(http.MethodGet, "/ui/app.js", "", nil, func(r *http.Request) { r.Header.Set("If-None-Match", etag) })
		require.Equal(t, http.StatusNotModified, again.Status)
		require.Equal(t, "text/css; charset=utf-8", s.get("/ui/app.css").Header.Get("Content-Type"))

		s.get("/ui/missing.js").envelope(t, http.StatusNotFound, 40400, "NOT_FOUND")
		s.get("/ui/..%2fui.go").envelope(t, http.StatusNotFound, 40400, "NOT_FOUND")

		// No HTML redirects: a near miss is the JSON 404 like any other.
		s.get("/ui").envelope(t, http.StatusNotFound, 40400, "NOT_FOUND")
	})

	// Bookings in ui-demo, hour +2: 4 (full), +3: 3 (1/4 left), +4: 2 (half),
	// +5: 1 (3/4 left); one immediate callback in cb that ORS completes.
	hour := time.Now().UTC().Truncate(time.Hour)
	const number = "5550123"
	var ids []string
	for k, n := range map[int]int{2: 4, 3: 3, 4: 2, 5: 1} {
		for i := range n {
			r := s.schedule("/genesys/1/service/callback/ui-demo", number, hour.Add(time.Duration(k)*time.Hour+time.Duration(10+i)*time.Minute))
			require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
			ids = append(ids, r.object(t)["_id"].(string))
		}
	}
	r := s.postJSON(cbPath, map[string]any{"_customer_number": number})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	done := r.object(t)["_id"].(string)
	eventually(t, 10*time.Second, func() bool { st, _ := s.stateOf("cb", done); return st == "COMPLETED" },
		"the immediate callback did not complete")

	auth := base64.StdEncoding.EncodeToString([]byte("admin:" + adminPassword))
	page := s.url + "/ui/#auth=" + auth + "&q=" + number
	dir := t.TempDir()

	start := time.Now()
	dom := runChromium(t, chromium, dir, "--dump-dom", page)
	t.Logf("dump-dom: %s", time.Since(start).Round(time.Millisecond))
	require.Contains(t, dom, `data-state="ready"`, "the page did not finish loading:\n%s", dom)

	// Every callback service has a row in the counts and in the heat map.
	for _, svc := range []string{"cb", "office", "ui-demo", "gridded"} {
		require.Contains(t, dom, `<td class="svc">`+svc+`</td>`)
		require.Contains(t, dom, `<div class="svc" title="`+svc+`" data-service="`+svc+`">`)
	}
	count := func(svc, state string) int {
		m := regexp.MustCompile(`data-service="` + regexp.QuoteMeta(svc) + `" data-state="` + state + `" data-count="(\d+)"`).FindStringSubmatch(dom)
		require.NotNil(t, m, "no %s count of %s", state, svc)
		n, err := strconv.Atoi(m[1])
		require.NoError(t, err)
		return n
	}
	require.Equal(t, 10, count("ui-demo", "SCHEDULED"))
	require.Equal(t, 0, count("ui-demo", "QUEUED"))
	require.Equal(t, 1, count("cb", "COMPLETED"))
	require.Equal(t, 0, count("office", "SCHEDULED"))

	// Heat-map cells of ui-demo carry their level.
	level := func(k int) string {
		at := hour.Add(time.Duration(k) * time.Hour).Format("2006-01-02T15:04:05.000Z")
		m := regexp.MustCompile(`data-service="ui-demo" data-hour="` + at + `" data-capacity="\d+" data-total="\d+" data-level="(\w+)"`).FindStringSubmatch(dom)
		require.NotNil(t, m, "no heat-map cell of ui-demo at %s", at)
		return m[1]
	}
	require.Equal(t, []string{"full", "low", "mid", "high", "free"}, []string{level(2), level(3), level(4), level(5), level(6)})

	// Queue lists and search results link callbacks to the Temporal Web UI.
	link := func(id string) string {
		return `href="` + testTemporalUI + `/namespaces/default/workflows/` + id + `"`
	}
	for _, id := range append(ids, done) {
		require.Contains(t, dom, link(id))
	}
	require.Contains(t, dom, `<p id="search-status" class="muted">11 callbacks for `+number+`</p>`)
	// The number's Temporal search: its keyed hash, linked to the UI's list.
	query := `CustomerNumber = "` + testenv.Secrets(t).Hasher().Hash(number) + `"`
	require.Contains(t, dom, `>`+query+`</code></a>`)
	encoded := strings.NewReplacer(" ", "%20", "=", "%3D", `"`, "%22").Replace(query) // encodeURIComponent
	require.Contains(t, dom, `href="`+testTemporalUI+`/namespaces/default/workflows?query=`+encoded+`"`)
	require.Equal(t, 11, strings.Count(sectionOf(t, dom, `id="results"`, `</table>`), "<tr data-callback-id="))

	// A found callback's webhook deliveries: the first after attempts
	// while its receiver was down, the rest at once.
	h := newHookReceiver(t)
	h.down()
	const hookedNumber = "5550777"
	r = s.postJSON(hookedPath, map[string]any{"_customer_number": hookedNumber,
		callback.KeyDeviceOS: callback.DeviceHTTPCallback, callback.KeyDeviceNotificationID: h.url("/hooks/ui")})
	require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
	hooked := r.object(t)["_id"].(string)
	eventually(t, 10*time.Second, func() bool { st, _ := s.stateOf("hooked", hooked); return st == "COMPLETED" },
		"the hooked callback did not complete")
	time.Sleep(2 * time.Second) // a few attempts fail
	h.up()
	wantNotes := []string{"created QUEUED", "state_changed ROUTING", "state_changed PROCESSING", "state_changed COMPLETED"}
	eventually(t, 40*time.Second, func() bool { return len(h.events(hooked)) == len(wantNotes) },
		"the receiver did not get the notifications: %v", h.events(hooked))
	eventually(t, 5*time.Second, func() bool {
		ds, err := s.store.Deliveries(context.Background(), hooked)
		return err == nil && len(ds) == len(wantNotes) && ds[len(ds)-1].Status == "delivered"
	}, "the deliveries were not recorded")
	notes := runChromium(t, chromium, dir, "--dump-dom", s.url+"/ui/#auth="+auth+"&q="+hookedNumber)
	require.Contains(t, notes, `data-state="ready"`, "the page did not finish loading:\n%s", notes)
	cell := sectionOf(t, notes, `data-notifications-for="`+hooked+`"`, `</td>`)
	for i, w := range wantNotes {
		event, state, _ := strings.Cut(w, " ")
		m := regexp.MustCompile(`data-seq="` + strconv.Itoa(i+1) + `" data-event="` + event +
			`" data-status="delivered" data-attempts="(\d+)"[^>]*>` + event + ` ` + state + `: delivered`).FindStringSubmatch(cell)
		require.NotNil(t, m, "delivery %d (%s) not shown as delivered:\n%s", i+1, w, cell)
		if i == 0 {
			n, _ := strconv.Atoi(m[1])
			require.Greater(t, n, 1, "the first delivery's attempts are shown")
		}
	}

	// Wrong credentials: back to the sign-in form, nothing shown.
	bad := base64.StdEncoding.EncodeToString([]byte("admin:wrong"))
	denied := runChromium(t, chromium, dir, "--dump-dom", s.url+"/ui/#auth="+bad)
	require.Contains(t, denied, `data-state="login"`)
	require.Contains(t, denied, `Wrong user or password.`)
	require.NotContains(t, denied, `data-callback-id`)

	// The heat map is drawn: the palette's colors fill its cells.
	shot := filepath.Join(dir, "ui.png")
	start = time.Now()
	runChromium(t, chromium, dir, "--screenshot="+shot, page)
	t.Logf("screenshot: %s", time.Since(start).Round(time.Millisecond))
	if dst := os.Getenv("GMS_UI_SCREENSHOT"); dst != "" {
		data, err := os.ReadFile(shot)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dst, data, 0o644))
	}
	rect := regexp.MustCompile(`data-heat-rect="(\d+),(\d+),(\d+),(\d+)"`).FindStringSubmatch(dom)
	require.NotNil(t, rect, "no data-heat-rect on body")
	var xywh [4]int
	for i := range xywh {
		xywh[i], _ = strconv.Atoi(rect[i+1])
	}
	heat := image.Rect(xywh[0], xywh[1], xywh[0]+xywh[2], xywh[1]+xywh[3])
	got := paletteCounts(t, shot, heat)
	t.Logf("heat map %v: palette pixels %v", heat, got)
	// ui-demo has exactly one cell of each level but free (~40x22 px each);
	// every open service's row is mostly free.
	want := map[string]int{"full": 300, "low": 300, "mid": 300, "high": 300, "free": 20 * 300}
	for lvl, n := range want {
		if got[lvl] <= n {
			t.Fatalf("too few %s pixels in the heat map: %d <= %d (%v); screenshot kept at %s", lvl, got[lvl], n, got, keep(t, shot))
		}
	}
}

// ensureChromium returns a headless Chromium, installed by
// scripts/ensure-chromium.sh (Debian's chromium) when missing. The test is
// skipped only when it cannot be installed outside CI.
func ensureChromium(t *testing.T) string {
	t.Helper()
	script := filepath.Join(testenv.RepoRoot(t), "scripts", "ensure-chromium.sh")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, script)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	lines := strings.Fields(strings.TrimSpace(string(out)))
	if err != nil || len(lines) == 0 {
		msg := fmt.Sprintf("no headless Chromium (scripts/ensure-chromium.sh: %v)\n%s", err, stderr.String())
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return lines[len(lines)-1]
}

// runChromium loads url in a fresh headless Chromium with flags (one of
// --dump-dom or --screenshot=FILE) and returns its stdout. The virtual time
// budget lets the page's fetches finish and its script render first.
func runChromium(t *testing.T, bin, dir string, flag, url string) string {
	t.Helper()
	profile, err := os.MkdirTemp(dir, "profile-")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--no-default-browser-check", "--mute-audio",
		"--user-data-dir="+profile, "--window-size=1280,900", "--force-device-scale-factor=1",
		"--hide-scrollbars", "--virtual-time-budget=5000", flag, url)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "chromium %s: %s", flag, stderr.String())
	return stdout.String()
}

// paletteCounts counts the pixels of the PNG at path inside r close to each
// heat-map color.
func paletteCounts(t *testing.T, path string, r image.Rectangle) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	r = r.Intersect(img.Bounds())
	require.False(t, r.Empty(), "the heat map is outside the screenshot %v", img.Bounds())
	out := map[string]int{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			px := [3]int{int(cr >> 8), int(cg >> 8), int(cb >> 8)}
			for name, c := range heatPalette {
				if near(px, c, 10) {
					out[name]++
				}
			}
		}
	}
	return out
}

func near(a, b [3]int, tol int) bool {
	for i := range a {
		if d := a[i] - b[i]; d > tol || d < -tol {
			return false
		}
	}
	return true
}

// sectionOf is s from the first from to the next to after it.
func sectionOf(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	require.GreaterOrEqual(t, i, 0, "%q not found", from)
	j := strings.Index(s[i:], to)
	require.GreaterOrEqual(t, j, 0, "%q not found after %q", to, from)
	return s[i : i+j]
}

// keep copies a failed test's screenshot out of its temporary directory.
func keep(t *testing.T, path string) string {
	t.Helper()
	dst := filepath.Join(os.TempDir(), fmt.Sprintf("gms-ui-%d.png", time.Now().UnixNano()))
	if data, err := os.ReadFile(path); err == nil {
		_ = os.WriteFile(dst, data, 0o644)
	}
	return dst
}
