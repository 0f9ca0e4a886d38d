package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"time"
)

// seedOrg builds, through the API, an organisation of -members members (imported in CSV files of
// -chunk rows), -classifications classifications and -clearances clearances, each clearance linked
// to 5 classifications and holding its share of the members (every member in one clearance), except
// the first, which holds -big members and every classification. Prints one JSON line: the
// organisation's id, the first clearance's id and what the seeding took.
func seedOrg(args []string) {
	fs := flag.NewFlagSet("seed-org", flag.ExitOnError)
	base := fs.String("url", "", "the service's base URL")
	token := fs.String("token", "", "a bearer token of a SafeShare administrator with the admin and write scopes")
	admin := fs.String("admin", "", "the address of that administrator, made the organisation's administrator")
	members := fs.Int("members", 10000, "members")
	clearances := fs.Int("clearances", 200, "clearances")
	classifications := fs.Int("classifications", 100, "classifications")
	big := fs.Int("big", 1000, "the first clearance's members")
	chunk := fs.Int("chunk", 2000, "rows per imported CSV file")
	_ = fs.Parse(args)
	loopbackOnly(*base)
	s := seeder{base: *base, token: *token, client: &http.Client{Timeout: 2 * time.Minute}}
	start := time.Now()
	org := s.json("POST", "/api/v1/organisations", 200,
		fmt.Sprintf(`{"name":"Bench Org %d","quota":1000000,"adminEmail":%q,"contactEmail":"contact@bench.example"}`, os.Getpid(), *admin))["id"].(string)
	orgPath := "/api/v1/organisations/" + org
	s.json("POST", orgPath+"/plans", 200, `{"name":"Standard","description":"the default","quota":1000}`)
	s.json("POST", orgPath+"/plans", 200, `{"name":"Large","description":"for a few","quota":100000}`)

	imported := time.Now()
	for first := 0; first < *members; first += *chunk {
		var csv strings.Builder
		csv.WriteString("email,firstName,lastName,role\n")
		for i := first; i < min(first+*chunk, *members); i++ {
			role := "Collaborator"
			if i%4 == 0 {
				role = "Originator"
			}
			fmt.Fprintf(&csv, "member%05d@bench.example,Member,%05d,%s\n", i, i, role)
		}
		rep := s.multipart(orgPath+"/users/import", csv.String())
		if int(rep["added"].(float64)) != min(first+*chunk, *members)-first {
			log.Fatalf("import from row %d: %v", first, rep)
		}
	}
	importTook := time.Since(imported)

	var users []string
	for offset := 0; ; offset += 100 {
		items := s.json("GET", fmt.Sprintf("%s/users?limit=100&offset=%d", orgPath, offset), 200, "")["items"].([]any)
		for _, it := range items {
			m := it.(map[string]any)
			if strings.HasSuffix(m["email"].(string), "@bench.example") {
				users = append(users, m["id"].(string))
			}
		}
		if len(items) < 100 {
			break
		}
	}
	if len(users) != *members {
		log.Fatalf("%d members listed, %d imported", len(users), *members)
	}

	labels := make([]string, *classifications)
	for i := range labels {
		labels[i] = s.json("POST", orgPath+"/labels", 200,
			fmt.Sprintf(`{"name":{"value":"Label %03d"},"description":"classification %d"}`, i, i))["id"].(string)
	}
	groups := make([]string, *clearances)
	for i := range groups {
		groups[i] = s.json("POST", orgPath+"/groups", 200, fmt.Sprintf(`{"name":"Clearance %03d"}`, i))["id"].(string)
	}
	quoted := func(ids []string) string {
		b, _ := json.Marshal(ids)
		return string(b)
	}
	bigPut := time.Now()
	s.json("PUT", orgPath+"/groups/"+groups[0], 200,
		fmt.Sprintf(`{"addLabels":%s,"addUsers":%s}`, quoted(labels), quoted(users[:*big])))
	bigPutTook := time.Since(bigPut)
	per := (*members + *clearances - 2) / (*clearances - 1)
	for i := 1; i < len(groups); i++ {
		var ls []string
		for k := range 5 {
			ls = append(ls, labels[(i*5+k)%len(labels)])
		}
		lo, hi := min((i-1)*per, len(users)), min(i*per, len(users))
		s.json("PUT", orgPath+"/groups/"+groups[i], 200,
			fmt.Sprintf(`{"addLabels":%s,"addUsers":%s}`, quoted(ls), quoted(users[lo:hi])))
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{
		"org": org, "group": groups[0], "members": len(users), "clearances": len(groups), "classifications": len(labels),
		"import_seconds": importTook.Seconds(), "big_put_ms": bigPutTook.Milliseconds(), "seconds": time.Since(start).Seconds(),
	})
}

type seeder struct {
	base, token string
	client      *http.Client
}

func (s seeder) do(req *http.Request, want int) map[string]any {
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := s.client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		log.Fatalf("%s %s: %d, want %d: %s", req.Method, req.URL.Path, resp.StatusCode, want, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		log.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	return out
}

func (s seeder) json(method, path string, want int, body string) map[string]any {
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return s.do(req, want)
}

func (s seeder) multipart(path, csv string) map[string]any {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", "members.csv")
	if err != nil {
		log.Fatal(err)
	}
	_, _ = fw.Write([]byte(csv))
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, s.base+path, &buf)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return s.do(req, http.StatusOK)
}
