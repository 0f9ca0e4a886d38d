package app

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/organisation"
)

// LapseAction is the audit record's action for a removal request that lapsed (the theme's
// orgRemovalActionDays): named like an operation, though no request made it.
const LapseAction = "lapseOrganisationRemoval"

// recordLapse writes, in the organisation's audit trail, that its removal request lapsed: as the
// deletion of the request it amounts to, by nobody.
func recordLapse(trail *audit.Service, log *slog.Logger) func(ctx context.Context, r organisation.RemovalRequest) {
	return func(ctx context.Context, r organisation.RemovalRequest) {
		orgID := r.OrganisationID
		rec := audit.Record{
			OrganisationID: &orgID, Method: http.MethodDelete, Status: http.StatusOK,
			Path:   "/api/v1/organisations/" + ids.Format(orgID) + "/removalRequest",
			Action: LapseAction, Category: audit.CategoryRemoval,
		}
		if err := trail.Add(context.WithoutCancel(ctx), rec); err != nil {
			log.Error("audit record not written", "error", err.Error(), "action", LapseAction, "organisation", orgID)
		}
	}
}
