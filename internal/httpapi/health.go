package httpapi

// Liveness and readiness, for load balancers (no authentication).

import (
	"context"
	"net/http"
	"time"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/version"
)

// GetHealth implements gen.StrictServerInterface.
func (s *Server) GetHealth(context.Context, gen.GetHealthRequestObject) (gen.GetHealthResponseObject, error) {
	v := version.String()
	return gen.GetHealth200JSONResponse{Status: gen.Ok, Version: &v}, nil
}

// GetReadiness implements gen.StrictServerInterface.
func (s *Server) GetReadiness(ctx context.Context, _ gen.GetReadinessRequestObject) (gen.GetReadinessResponseObject, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		loggerFrom(ctx, s.log).Warn("not ready: database does not answer", "error", err.Error())
		retry := 5
		detail := "The database does not answer."
		return gen.GetReadiness503ApplicationProblemPlusJSONResponse{ServiceUnavailableApplicationProblemPlusJSONResponse: gen.ServiceUnavailableApplicationProblemPlusJSONResponse{
			Body:    gen.Problem{Type: "about:blank", Title: "Service Unavailable", Status: http.StatusServiceUnavailable, Detail: &detail},
			Headers: gen.ServiceUnavailableResponseHeaders{RetryAfter: &retry},
		}}, nil
	}
	return gen.GetReadiness200JSONResponse{Status: gen.Ok}, nil
}
