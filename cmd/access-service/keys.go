package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/cocoondata/access-service/internal/config"
)

// keysCommand: TEMPORARY stub on the ops-base branch; the keys helper replaces this file.
func keysCommand(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer, fail func(string, ...any) int) int {
	return fail("keys: not built yet")
}
