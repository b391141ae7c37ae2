package deploy

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type composeFile struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

type service struct {
	Image       string    `yaml:"image"`
	Build       any       `yaml:"build"`
	Ports       []any     `yaml:"ports"`
	Environment any       `yaml:"environment"`
	Volumes     []any     `yaml:"volumes"`
	DependsOn   any       `yaml:"depends_on"`
	Healthcheck *struct{} `yaml:"healthcheck"`
	Entrypoint  []string  `yaml:"entrypoint"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("docker-compose.yml is not valid YAML: %v", err)
	}
	if len(c.Services) == 0 {
		t.Fatal("docker-compose.yml has no services")
	}
	return c
}

// env returns a service's environment whether written as a map or a list.
func (s service) env(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	switch e := s.Environment.(type) {
	case nil:
	case map[string]any:
		for k, v := range e {
			if v == nil {
				out[k] = ""
			} else {
				out[k] = fmt.Sprint(v)
			}
		}
	case []any:
		for _, item := range e {
			k, v, _ := strings.Cut(fmt.Sprint(item), "=")
			out[k] = v
		}
	default:
		t.Fatalf("environment of unexpected type %T", e)
	}
	return out
}

// ports returns a service's port mappings as "HOST:CONTAINER" strings.
// volumeStrings are the short-syntax volume entries.
func (s service) volumeStrings() []string {
	var out []string
	for _, v := range s.Volumes {
		if v, ok := v.(string); ok {
			out = append(out, v)
		}
	}
	return out
}

func (s service) ports() []string {
	var out []string
	for _, p := range s.Ports {
		switch p := p.(type) {
		case map[string]any: // long syntax
			out = append(out, fmt.Sprintf("%v:%v", p["published"], p["target"]))
		default:
			v := fmt.Sprint(p)
			v = strings.TrimSuffix(v, "/tcp")
			if strings.Count(v, ":") == 2 { // IP:HOST:CONTAINER
				v = v[strings.Index(v, ":")+1:]
			}
			out = append(out, v)
		}
	}
	return out
}

func (s service) dependsOn() []string {
	var out []string
	switch d := s.DependsOn.(type) {
	case []any:
		for _, x := range d {
			out = append(out, fmt.Sprint(x))
		}
	case map[string]any:
		for k := range d {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (s service) buildTarget() string {
	if m, ok := s.Build.(map[string]any); ok {
		if t, ok := m["target"].(string); ok {
			return t
		}
	}
	return ""
}

var requiredServices = []string{"temporal", "temporal-db", "temporal-ui", "postgres", "api", "worker", "ors-sim"}

func TestComposeServices(t *testing.T) {
	c := loadCompose(t)
	for _, name := range requiredServices {
		s, ok := c.Services[name]
		if !ok {
			t.Errorf("service %q missing", name)
			continue
		}
		if s.Image == "" && s.Build == nil {
			t.Errorf("service %q has neither image nor build", name)
		}
	}
	for name, s := range c.Services {
		for _, dep := range s.dependsOn() {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("service %q depends on unknown service %q", name, dep)
			}
		}
	}
	for _, name := range []string{"temporal", "temporal-db", "postgres", "api"} {
		if c.Services[name].Healthcheck == nil {
			t.Errorf("service %q has no healthcheck", name)
		}
	}
}

func TestComposePorts(t *testing.T) {
	c := loadCompose(t)
	want := map[string]string{
		"api":         "8080:8080",
		"ors-sim":     "8090:8090",
		"temporal-ui": "8233:8080",
		"postgres":    "55432:5432",
	}
	for name, p := range want {
		if got := c.Services[name].ports(); !slices.Contains(got, p) {
			t.Errorf("service %q ports %v, want %q among them", name, got, p)
		}
	}
}

func TestComposeEnvironment(t *testing.T) {
	c := loadCompose(t)
	common := []string{"DATABASE_URL", "TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_TASK_QUEUE", "GMS_CONFIG"}
	need := map[string][]string{
		"worker": append(slices.Clone(common), "GMS_WORKER_METRICS_ADDR"),
		"api":    append(slices.Clone(common), "GMS_HTTP_ADDR", "GMS_PUBLIC_URL", "TEMPORAL_UI_URL"),
	}
	for name, keys := range need {
		env := c.Services[name].env(t)
		for _, k := range keys {
			if env[k] == "" {
				t.Errorf("service %q: environment lacks %s", name, k)
			}
		}
		if got := env["TEMPORAL_ADDRESS"]; got != "temporal:7233" {
			t.Errorf("service %q: TEMPORAL_ADDRESS = %q, want temporal:7233", name, got)
		}
		u, err := url.Parse(env["DATABASE_URL"])
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			t.Errorf("service %q: DATABASE_URL %q is not a postgres URL", name, env["DATABASE_URL"])
		} else {
			if u.Hostname() != "postgres" {
				t.Errorf("service %q: DATABASE_URL host %q, want the postgres service", name, u.Hostname())
			}
			if strings.TrimPrefix(u.Path, "/") != "gms" {
				t.Errorf("service %q: DATABASE_URL database %q, want gms", name, u.Path)
			}
		}
		if !mountsConfig(c.Services[name]) {
			t.Errorf("service %q does not mount ./config read-only", name)
		}
	}
	// Encryption: api and worker share one key ring and number-hash key.
	for _, name := range []string{"api", "worker"} {
		env := c.Services[name].env(t)
		if env["GMS_PAYLOAD_KEYS_FILE"] != "/secrets/payload-keys" || env["GMS_NUMBER_HASH_KEY_FILE"] != "/secrets/number-hash-key" {
			t.Errorf("service %q: keys not from /secrets: %q, %q", name, env["GMS_PAYLOAD_KEYS_FILE"], env["GMS_NUMBER_HASH_KEY_FILE"])
		}
		if !slices.Contains(c.Services[name].volumeStrings(), "gms-secrets:/secrets") {
			t.Errorf("service %q does not mount the gms-secrets volume", name)
		}
		if !strings.Contains(strings.Join(c.Services[name].Entrypoint, " "), "/app/bin/api keygen /secrets") {
			t.Errorf("service %q does not create missing keys before it starts", name)
		}
	}
	ui := c.Services["temporal-ui"].env(t)
	if ui["TEMPORAL_CODEC_ENDPOINT"] != "http://localhost:8080/codec" || ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] != "true" {
		t.Errorf("temporal-ui does not decode through the API's codec: %q", ui["TEMPORAL_CODEC_ENDPOINT"])
	}
	api := c.Services["api"].env(t)
	if api["GMS_CODEC_ORIGINS"] != "http://localhost:8233" {
		t.Errorf("api GMS_CODEC_ORIGINS = %q, want the UI's origin", api["GMS_CODEC_ORIGINS"])
	}
	if api["GMS_HTTP_ADDR"] != "0.0.0.0:8080" {
		t.Errorf("api GMS_HTTP_ADDR = %q, want 0.0.0.0:8080", api["GMS_HTTP_ADDR"])
	}
	if api["GMS_PUBLIC_URL"] != "http://api:8080" {
		t.Errorf("api GMS_PUBLIC_URL = %q, want http://api:8080", api["GMS_PUBLIC_URL"])
	}
	if got := c.Services["temporal-ui"].env(t)["TEMPORAL_ADDRESS"]; got != "temporal:7233" {
		t.Errorf("temporal-ui TEMPORAL_ADDRESS = %q", got)
	}
	pg := c.Services["postgres"].env(t)
	if pg["POSTGRES_DB"] != "gms" {
		t.Errorf("postgres POSTGRES_DB = %q, want gms", pg["POSTGRES_DB"])
	}
}

func mountsConfig(s service) bool {
	for _, v := range s.Volumes {
		switch v := v.(type) {
		case string:
			parts := strings.Split(v, ":")
			if len(parts) == 3 && strings.TrimSuffix(parts[0], "/") == "./config" && strings.Contains(parts[2], "ro") {
				return true
			}
		case map[string]any:
			src := strings.TrimSuffix(fmt.Sprint(v["source"]), "/")
			if src == "./config" && v["read_only"] == true {
				return true
			}
		}
	}
	return false
}

func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	text := string(raw)
	if !regexp.MustCompile(`(?mi)^FROM\s+golang:`).MatchString(text) {
		t.Error("Dockerfile has no golang build stage")
	}
	stages := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?mi)^FROM\s+\S+\s+AS\s+(\S+)`).FindAllStringSubmatch(text, -1) {
		stages[m[1]] = true
	}
	for _, prog := range []string{"api", "worker", "ors-sim"} {
		if !strings.Contains(text, "./cmd/"+prog) {
			t.Errorf("Dockerfile does not build ./cmd/%s", prog)
		}
	}
	c := loadCompose(t)
	for name, s := range c.Services {
		if s.Build == nil {
			continue
		}
		if tg := s.buildTarget(); tg != "" && !stages[tg] {
			t.Errorf("service %q builds target %q, which the Dockerfile lacks (stages %v)", name, tg, stages)
		}
	}
}
