package main

import (
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/config"
)

// instruction is one Dockerfile instruction: its keyword (upper case) and the rest of its line, with
// continuation lines joined.
type instruction struct{ cmd, args string }

// dockerStages reads the Dockerfile into its stages' instructions (there is no Docker engine to build
// it here: the test checks the text, and builds the binary as its RUN line does).
func dockerStages(t *testing.T) [][]instruction {
	t.Helper()
	raw, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]instruction
	var cur string
	for _, line := range strings.Split(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur += strings.TrimSuffix(trimmed, "\\") + " "
			continue
		}
		cur += trimmed
		cmd, args, _ := strings.Cut(cur, " ")
		cur = ""
		in := instruction{strings.ToUpper(cmd), strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("instruction before FROM: %v", in)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	if len(stages) != 2 {
		t.Fatalf("want a build stage and a runtime stage, got %d stages", len(stages))
	}
	return stages
}

func find(stage []instruction, cmd string) []string {
	var out []string
	for _, in := range stage {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// keyValues reads LABEL and ENV arguments: key=value pairs, values possibly double-quoted.
func keyValues(args []string) map[string]string {
	re := regexp.MustCompile(`([A-Za-z0-9_.-]+)=("(?:[^"\\]|\\.)*"|\S+)`)
	out := map[string]string{}
	for _, a := range args {
		for _, m := range re.FindAllStringSubmatch(a, -1) {
			out[m[1]] = strings.Trim(m[2], `"`)
		}
	}
	return out
}

func TestDockerfile(t *testing.T) {
	stages := dockerStages(t)
	build, final := stages[0], stages[1]

	labels := keyValues(find(final, "LABEL"))
	for _, k := range []string{"title", "description", "source", "version"} {
		if labels["org.opencontainers.image."+k] == "" {
			t.Errorf("no org.opencontainers.image.%s label", k)
		}
	}
	if v := labels["org.opencontainers.image.version"]; v != "${VERSION}" && v != "$VERSION" {
		t.Errorf("the version label is %q, not the VERSION build argument", v)
	}
	if !slicesHasPrefix(find(final, "ARG"), "VERSION") || !slicesHasPrefix(find(build, "ARG"), "VERSION") {
		t.Error("both stages need ARG VERSION (the build for -ldflags, the runtime stage for the label)")
	}

	// The binary: built static, with the version stamped, and copied where ENTRYPOINT runs it.
	run := buildCommand(t, build)
	for _, want := range []string{"CGO_ENABLED=0 go build", "-trimpath", "-X github.com/cocoondata/access-service/internal/version.version=${VERSION}", "./cmd/access-service"} {
		if !strings.Contains(run, want) {
			t.Errorf("the build's RUN line lacks %q: %s", want, run)
		}
	}
	var entry []string
	if err := json.Unmarshal([]byte(find(final, "ENTRYPOINT")[0]), &entry); err != nil || len(entry) != 1 {
		t.Fatalf("ENTRYPOINT is not an exec-form binary: %v", find(final, "ENTRYPOINT"))
	}
	bin := entry[0]

	// HEALTHCHECK runs the binary's own healthcheck (distroless has no curl).
	hc := find(final, "HEALTHCHECK")
	if len(hc) != 1 {
		t.Fatalf("want one HEALTHCHECK, got %v", hc)
	}
	_, hcCmd, ok := strings.Cut(hc[0], "CMD ")
	var hcArgs []string
	if !ok || json.Unmarshal([]byte(hcCmd), &hcArgs) != nil || len(hcArgs) != 2 || hcArgs[0] != bin || hcArgs[1] != "healthcheck" {
		t.Errorf("HEALTHCHECK is %q, want CMD [%q, \"healthcheck\"]", hc[0], bin)
	}

	// The configuration the image sets is one the service accepts (0.0.0.0 as the issuer is not).
	env := keyValues(find(final, "ENV"))
	cfg, err := config.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatalf("the image's ENV is refused: %v", err)
	}
	if env["ACCESS_ISSUER"] == "" {
		t.Error("no ACCESS_ISSUER default")
	}

	// The embedded store's folder is the VOLUME, owned by the user the image runs as.
	if !config.IsEmbedded(cfg.DatabaseURL) {
		t.Fatalf("ACCESS_DATABASE_URL %q is not the embedded store", cfg.DatabaseURL)
	}
	dataDir := path.Dir(config.SQLitePath(cfg.DatabaseURL))
	volumes := find(final, "VOLUME")
	if len(volumes) != 1 || (volumes[0] != dataDir && volumes[0] != `["`+dataDir+`"]`) {
		t.Errorf("VOLUME %v is not the store's folder %s", volumes, dataDir)
	}
	users := find(final, "USER")
	if len(users) != 1 || !strings.HasPrefix(users[0], "65532") {
		t.Errorf("USER %v: want the distroless nonroot user 65532", users)
	}
	owned := false
	for _, c := range find(final, "COPY") {
		f := strings.Fields(c)
		if slicesHasPrefix(f, "--chown=65532") && f[len(f)-1] == dataDir {
			owned = true
		}
	}
	if !owned {
		t.Errorf("no COPY --chown=65532:65532 ... %s: the nonroot user could not write the store", dataDir)
	}
}

// The compose file's service checks its health with the same subcommand.
func TestComposeHealthcheck(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `test: ["CMD", "/access-service", "healthcheck"]`) {
		t.Fatal("docker-compose.yml's access-service has no healthcheck running /access-service healthcheck")
	}
}

func slicesHasPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// buildCommand is the build stage's RUN line that builds the binary.
func buildCommand(t *testing.T, build []instruction) string {
	t.Helper()
	for _, r := range find(build, "RUN") {
		if strings.Contains(r, "go build") {
			return r
		}
	}
	t.Fatal("no RUN line builds the binary")
	return ""
}

// TestDockerfileBuildIsStatic runs the Dockerfile's build line (with its output in a temporary folder):
// the binary must link nothing dynamically (the distroless static image has no C library) and carry
// the VERSION build argument.
func TestDockerfileBuildIsStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	run := buildCommand(t, dockerStages(t)[0])
	out := filepath.Join(t.TempDir(), "access-service")
	if !strings.Contains(run, "-o /out/access-service") {
		t.Fatalf("the build line does not write /out/access-service: %s", run)
	}
	run = strings.Replace(run, "-o /out/access-service", "-o "+out, 1)
	cmd := exec.Command("sh", "-c", run)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "VERSION=v9.8.7-dockerfile-test")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", run, err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the binary asks for a dynamic loader: not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Fatalf("the binary links %v", libs)
	}
	v, err := exec.Command(out, "version").Output()
	if err != nil || strings.TrimSpace(string(v)) != "v9.8.7-dockerfile-test" {
		t.Fatalf("version: %q %v", v, err)
	}
}
