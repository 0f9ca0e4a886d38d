package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cocoondata/access-service/internal/testutil"
)

// BenchmarkPlans10k drives the plan list and the statistics through HTTP against PostgreSQL, for an
// organisation with 20 plans and 10,000 members (half of them Originators spread over the plans, a
// quarter Collaborators, a quarter Ad hoc): go test -run XXX -bench Plans10k ./internal/httpapi/
func BenchmarkPlans10k(b *testing.B) {
	db := testutil.NewPostgres(b)
	svc := testutil.Start(b, testutil.WithDatabase(db))
	svc.RegisterClient(b, clientID)
	svc.CreateUser(b, orgAdmin, false)
	svc.CreateUser(b, root1, true)
	rootTok := svc.Token(b, clientID, root1)
	do := func(tb testing.TB, method, path, token, body string, status int) *testutil.Response {
		r := svc.Client.Do(tb, testutil.Request{Method: method, Path: path, Token: token, ContentType: "application/json", Body: []byte(body)})
		if r.Status != status {
			tb.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		return r
	}
	org := do(b, "POST", "/api/v1/organisations", rootTok,
		`{"name":"Big Org","quota":1000000,"adminEmail":"`+orgAdmin+`","contactEmail":"`+orgAdmin+`"}`, http.StatusOK).JSON(b)["id"].(string)
	tok := svc.Token(b, clientID, orgAdmin)
	var plans []string
	for i := range 20 {
		plans = append(plans, do(b, "POST", plansPath(org), tok,
			fmt.Sprintf(`{"name":"Plan %02d","description":"","quota":%d}`, i, 1000*(i+1)), http.StatusOK).JSON(b)["id"].(string))
	}

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	now := time.Now().UTC()
	for _, stmt := range []string{
		`INSERT INTO users (id, email, first_name, last_name, created_at, updated_at)
		 SELECT 900000000000 + g, 'user' || g || '@big.example', 'First' || g, 'Last' || g, $1, $1 FROM generate_series(1, 10000) g`,
		`INSERT INTO memberships (organisation_id, user_id, role, is_org_admin, plan_id, created_at)
		 SELECT ` + org + `, 900000000000 + g,
		        CASE WHEN g % 2 = 0 THEN 'Originator' WHEN g % 4 = 1 THEN 'Collaborator' ELSE 'Ad hoc' END,
		        g % 100 = 0,
		        CASE WHEN g % 2 = 0 THEN (ARRAY[` + strings.Join(plans, ",") + `]::bigint[])[1 + (g / 2) % 20] END, $1
		 FROM generate_series(1, 10000) g`,
		// The rows went in beside the store: the organisation's kept counts (migration 00010) are made good.
		`UPDATE organisations SET
		    originator_count = (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = organisations.id AND m.role = 'Originator'),
		    collaborator_count = (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = organisations.id AND m.role = 'Collaborator'),
		    admin_count = (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = organisations.id AND m.is_org_admin AND m.role <> 'Ad hoc')
		 WHERE $1::timestamptz IS NOT NULL`,
	} {
		if _, err := conn.Exec(ctx, stmt, now); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	for name, path := range map[string]string{
		"listPlans":             plansPath(org),
		"statisticsUsers":       "/api/v1/organisations/" + org + "/statistics/users",
		"statisticsPlans":       "/api/v1/organisations/" + org + "/statistics/plans",
		"statisticsPlansPage5":  "/api/v1/organisations/" + org + "/statistics/plans?limit=5&offset=5",
		"statisticsPlansPage20": "/api/v1/organisations/" + org + "/statistics/plans?limit=20",
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				do(b, "GET", path, tok, "", http.StatusOK)
			}
		})
	}
}
