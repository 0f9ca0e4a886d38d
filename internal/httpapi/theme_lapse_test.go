package httpapi_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/listing"
)

// TestRemovalRequestLapses: a removal request pending longer than the theme's orgRemovalActionDays has
// lapsed. The removal answers 409 as with no request, the organisation shows none, a new request may be
// filed, and each lapse is in the organisation's audit trail once. The organisations' clock is the
// test's.
func TestRemovalRequestLapses(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var clock atomic.Int64
	clock.Store(time.Now().UTC().Truncate(time.Microsecond).UnixMicro())
	w.svc.Orgs.SetClock(func() time.Time { return time.UnixMicro(clock.Load()).UTC() })
	advance := func(d time.Duration) { clock.Add(d.Microseconds()) }
	org := "/api/v1/organisations/" + w.org
	request := org + "/removalRequest"
	pending := func() any {
		t.Helper()
		return w.mustDo(t, 200, "GET", org, root1, "").JSON(t)["organisationRemovalRequest"]
	}
	lapses := func() int {
		t.Helper()
		page, err := w.svc.Audit.List(context.Background(), mustID(t, w.org), listing.Query{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range page.Items {
			if r.Operation == app.LapseOperation && r.Action == audit.ActionDeleted && r.Category == audit.CategoryOrganisations {
				n++
			}
		}
		return n
	}

	w.setTheme(t, "orgRemovalActionDays", "3")
	w.mustDo(t, 201, "POST", request, root1, `{"notifyContact":false}`)
	advance(3 * 24 * time.Hour) // exactly 3 days: not older than 3 days yet
	if pending() == nil {
		t.Fatal("the request lapsed at 3 days, not after")
	}
	w.mustDo(t, 409, "POST", request, root2, `{"notifyContact":false}`)

	advance(time.Minute)
	if p := pending(); p != nil {
		t.Fatalf("a lapsed request still shows: %v", p)
	}
	for _, o := range w.mustDo(t, 200, "GET", "/api/v1/organisations", root1, "").JSON(t)["items"].([]any) {
		if o := o.(map[string]any); o["id"] == w.org && o["organisationRemovalRequest"] != nil {
			t.Fatalf("the list shows a lapsed request: %v", o)
		}
	}
	w.mustDo(t, 409, "DELETE", org, root2, "")     // as with no request
	w.mustDo(t, 404, "DELETE", request, root1, "") // nothing to withdraw
	if n := lapses(); n != 1 {
		t.Fatalf("%d lapse records, want 1", n)
	}

	// A new request may be filed; it lapses too when nobody reads the organisation before the next one.
	w.mustDo(t, 201, "POST", request, root2, `{"notifyContact":false}`)
	advance(4 * 24 * time.Hour)
	w.mustDo(t, 201, "POST", request, root1, `{"notifyContact":false}`)
	if n := lapses(); n != 2 {
		t.Fatalf("%d lapse records, want 2", n)
	}
	// A longer period set later keeps the newest request pending; within it, the two-person rule works.
	w.setTheme(t, "orgRemovalActionDays", "30")
	advance(20 * 24 * time.Hour)
	if pending() == nil {
		t.Fatal("the request lapsed within 30 days")
	}
	w.mustDo(t, 200, "DELETE", org, root2, "")
}
