package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cocoondata/access-service/internal/testutil"
)

// BenchmarkWhitelistCheck10k drives the dry-run check through HTTP against PostgreSQL with 10,000 rules
// and 10,000 members: go test -run XXX -bench WhitelistCheck10k ./internal/httpapi/
func BenchmarkWhitelistCheck10k(b *testing.B) {
	db := testutil.NewPostgres(b)
	svc := testutil.Start(b, testutil.WithDatabase(db))
	svc.RegisterClient(b, clientID)
	svc.CreateUser(b, orgAdmin, false)
	svc.CreateUser(b, root1, true)
	rootTok := svc.Token(b, clientID, root1)
	r := svc.Client.Do(b, testutil.Request{Method: "POST", Path: "/api/v1/organisations", Token: rootTok, ContentType: "application/json",
		Body: []byte(`{"name":"Big Org","quota":1,"adminEmail":"` + orgAdmin + `","contactEmail":"` + orgAdmin + `"}`)})
	if r.Status != http.StatusOK {
		b.Fatalf("%d %s", r.Status, r.Body)
	}
	org := r.JSON(b)["id"].(string)

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	now := time.Now().UTC()
	// Ten thousand members, a third of them at domains the rules name, and ten thousand rules of the
	// three kinds.
	for _, stmt := range []string{
		`INSERT INTO users (id, email, created_at, updated_at)
		 SELECT 900000000000 + g, 'user' || g || '@sub.org' || g || '.example', $1, $1 FROM generate_series(1, 10000) g`,
		`INSERT INTO memberships (organisation_id, user_id, role, is_org_admin, created_at)
		 SELECT ` + org + `, 900000000000 + g, 'Collaborator', FALSE, $1 FROM generate_series(1, 10000) g`,
		`INSERT INTO whitelist_rules (id, organisation_id, pattern, kind, description, created_at)
		 SELECT 800000000000 + g, ` + org + `,
		        CASE g % 3 WHEN 0 THEN 'org' || g || '.example' WHEN 1 THEN '*.org' || g || '.example' ELSE 'user' || g || '@mail' || g || '.example' END,
		        CASE g % 3 WHEN 0 THEN 'domain' WHEN 1 THEN 'subdomains' ELSE 'address' END, '', $1
		 FROM generate_series(1, 10000) g`,
	} {
		if _, err := conn.Exec(ctx, stmt, now); err != nil {
			b.Fatal(err)
		}
	}
	tok := svc.Token(b, clientID, orgAdmin)
	bodies := map[string]string{
		"add":    `{"action":"add","items":[{"pattern":"*.org2.example"},{"pattern":"org5.example"}]}`,
		"delete": fmt.Sprintf(`{"action":"delete","items":[{"id":"%d"},{"id":"%d"}]}`, 800000000001, 800000000004),
	}
	for name, body := range bodies {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				r := svc.Client.Do(b, testutil.Request{Method: "POST", Path: "/api/v1/organisations/" + org + "/userwhitelist/check",
					Token: tok, ContentType: "application/json", Body: []byte(body)})
				if r.Status != http.StatusOK || r.JSON(b)["count"].(float64) == 0 {
					b.Fatalf("%d %s", r.Status, r.Body)
				}
			}
		})
	}
}
