package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

// Trace makes every statement sent inside a traced request a child span of the request's span: through
// GORM (callbacks around each of its statement kinds) and the hot reads that go to pgx directly
// (hotread.go). A statement whose context carries no span (start-up, the background polls) makes none,
// so only requests' work shows. The span names the operation and the table ("SELECT users") and
// carries the statement's text with its placeholders, never the values bound to them (passwords'
// hashes, tokens). Call it once, before serving; without it the store makes no spans at all.
func (s *Store) Trace(tp trace.TracerProvider) error {
	s.tracer = tp.Tracer("github.com/cocoondata/access-service/internal/store")
	s.dbSystem = semconv.DBSystemNamePostgreSQL
	if s.embedded {
		s.dbSystem = semconv.DBSystemNameSQLite
	}
	cb := s.db.Callback()
	type registrar interface {
		Register(name string, fn func(*gorm.DB)) error
	}
	for _, h := range []struct {
		name          string
		before, after registrar
	}{
		{"create", cb.Create().Before("gorm:create"), cb.Create().After("gorm:create")},
		{"query", cb.Query().Before("gorm:query"), cb.Query().After("gorm:query")},
		{"update", cb.Update().Before("gorm:update"), cb.Update().After("gorm:update")},
		{"delete", cb.Delete().Before("gorm:delete"), cb.Delete().After("gorm:delete")},
		{"row", cb.Row().Before("gorm:row"), cb.Row().After("gorm:row")},
		{"raw", cb.Raw().Before("gorm:raw"), cb.Raw().After("gorm:raw")},
	} {
		if err := h.before.Register("access:trace_start", s.startSpan); err != nil {
			return fmt.Errorf("registering the %s span's start: %w", h.name, err)
		}
		if err := h.after.Register("access:trace_end", s.endSpan); err != nil {
			return fmt.Errorf("registering the %s span's end: %w", h.name, err)
		}
	}
	return nil
}

// spanContext is a statement's context while its span is open: the span's, and the one to put back.
type spanContext struct {
	context.Context
	parent context.Context
}

func (s *Store) startSpan(tx *gorm.DB) {
	parent := tx.Statement.Context
	if parent == nil || !trace.SpanContextFromContext(parent).IsValid() {
		return
	}
	ctx, _ := s.tracer.Start(parent, "db", trace.WithSpanKind(trace.SpanKindClient))
	tx.Statement.Context = spanContext{ctx, parent}
}

func (s *Store) endSpan(tx *gorm.DB) {
	sc, ok := tx.Statement.Context.(spanContext)
	if !ok {
		return
	}
	tx.Statement.Context = sc.parent
	span := trace.SpanFromContext(sc.Context)
	defer span.End()
	if !span.IsRecording() {
		return
	}
	query := tx.Statement.SQL.String()
	op := strings.ToUpper(firstWord(query))
	name := op
	if t := tx.Statement.Table; t != "" {
		name = strings.TrimSpace(op + " " + t)
		span.SetAttributes(semconv.DBCollectionName(t))
	}
	if name == "" {
		name = "db"
	}
	span.SetName(name)
	span.SetAttributes(s.dbSystem, semconv.DBQueryText(query), semconv.DBOperationName(op))
	if err := tx.Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
}

// hotReadSpan opens the span of a hot read sent to pgx directly, when ctx is a traced request's; end
// closes it with the read's error.
func (s *Store) hotReadSpan(ctx context.Context, r hotRead) (context.Context, func(error)) {
	if s.tracer == nil || !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx, func(error) {}
	}
	ctx, span := s.tracer.Start(ctx, "SELECT "+r.table, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(s.dbSystem, semconv.DBQueryText(r.sql), semconv.DBOperationName("SELECT"), semconv.DBCollectionName(r.table)))
	return ctx, func(err error) {
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
}

// firstWord is a statement's first word: its operation (SELECT, INSERT, ...).
func firstWord(query string) string {
	query = strings.TrimLeft(query, " \t\r\n;(")
	if i := strings.IndexAny(query, " \t\r\n("); i >= 0 {
		return query[:i]
	}
	return query
}
