package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/report"
)

// GetUserActivityDashboard implements gen.StrictServerInterface: sign-ins per UTC day (report.Activity).
func (s *Server) GetUserActivityDashboard(ctx context.Context, req gen.GetUserActivityDashboardRequestObject) (gen.GetUserActivityDashboardResponseObject, error) {
	unique := req.Params.UniqueLogin != nil && *req.Params.UniqueLogin
	days, err := s.Activity.SignIns(ctx, req.Params.LastDays, unique)
	if err != nil {
		return nil, err
	}
	return activityAnswer(days), nil
}

// activityAnswer writes gen.UserActivityDashboard without reflection: a year is 365 items, and
// encoding/json's reflective walk over them, each date through its own MarshalJSON, cost more than the
// read (bench/README.md). TestUserActivityDashboard checks the answer against the spec.
type activityAnswer []report.SignInDay

// VisitGetUserActivityDashboardResponse implements gen.GetUserActivityDashboardResponseObject.
func (a activityAnswer) VisitGetUserActivityDashboardResponse(w http.ResponseWriter) error {
	b := make([]byte, 0, 16+len(a)*64)
	b = append(b, `{"items":[`...)
	for i, d := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"date":"`...)
		b = appendDay(b, d.Day)
		b = append(b, `","successfulLogins":`...)
		b = strconv.AppendInt(b, d.Successes, 10)
		b = append(b, `,"failedLogins":`...)
		b = strconv.AppendInt(b, d.Failures, 10)
		b = append(b, '}')
	}
	b = append(b, "]}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b)
	return err
}

// appendDay appends the day's date as YYYY-MM-DD (time.DateOnly), by hand: see activityAnswer.
func appendDay(b []byte, t time.Time) []byte {
	y, m, d := t.Date()
	return append(b, byte('0'+y/1000%10), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(m)/10), byte('0'+int(m)%10), '-', byte('0'+d/10), byte('0'+d%10))
}
