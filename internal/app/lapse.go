package app

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/organisation"
)

// LapseOperation is the audit record's operation for a removal request that lapsed (the theme's
// orgRemovalActionDays): named like an operation, though no request made it.
const LapseOperation = "lapseOrganisationRemoval"

// recordLapse writes, in the organisation's audit trail, that its removal request lapsed: as the
// deletion of the request it amounts to, by nobody.
func recordLapse(trail *audit.Service, log *slog.Logger) func(ctx context.Context, r organisation.RemovalRequest) {
	return func(ctx context.Context, r organisation.RemovalRequest) {
		orgID := r.OrganisationID
		rec := audit.Record{
			OrganisationID: &orgID, Method: http.MethodDelete, Status: http.StatusOK,
			Path:   "/api/v1/organisations/" + ids.Format(orgID) + "/removalRequest",
			Action: audit.ActionDeleted, Category: audit.CategoryOrganisations, Operation: LapseOperation,
		}
		if err := trail.Add(context.WithoutCancel(ctx), rec); err != nil {
			log.Error("audit record not written", "error", err.Error(), "operation", LapseOperation, "organisation", orgID)
		}
	}
}
